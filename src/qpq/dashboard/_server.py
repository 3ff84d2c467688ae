"""How the dashboard is served: the Streamlit command line, its settings and checks.

:func:`streamlit_command` builds the ``python -m streamlit run`` command that ``qpq serve``
runs and the browser tests start: headless (no browser is opened, no e-mail prompt), bound
to ``127.0.0.1`` unless told otherwise, with usage statistics off (``browser.gatherUsageStats``
false, also set in the environment by :func:`streamlit_env`), no file watcher and no
development mode. The app itself reaches nothing but the case files on disk.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "APP_PATH",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "STREAMLIT_OPTIONS",
    "is_loopback",
    "streamlit_command",
    "streamlit_env",
]

APP_PATH = Path(__file__).with_name("_app.py")
"""The Streamlit script."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501

STREAMLIT_OPTIONS: Mapping[str, str] = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "global.developmentMode": "false",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "true",
    "theme.base": "light",
    # the app puts the URL's settings into the widgets' state before drawing them, on purpose
    "global.disableWidgetStateDuplicationWarning": "true",
    # "magic" draws every bare expression of the script: an attribute's docstring in _app.py
    # appeared above the title of every page (found 2026-12-07)
    "runner.magicEnabled": "false",
}
"""Streamlit settings passed on every command line (``--name=value``)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``127.0.0.0/8``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def streamlit_command(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, *,
                      case_dir: Path | None = None, python: str | None = None) -> list[str]:
    """The command that serves the dashboard.

    Parameters
    ----------
    port, host
        Where to listen (default ``127.0.0.1:8501``).
    case_dir
        A case folder (default: the built-in case); passed to the app after ``--``.
    python
        The interpreter (default: this one).

    Raises
    ------
    ValueError
        For a port outside 1-65535.
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"port must be in 1-65535, got {port}")
    cmd = [python or sys.executable, "-m", "streamlit", "run", str(APP_PATH),
           f"--server.port={port}", f"--server.address={host}"]
    cmd += [f"--{k}={v}" for k, v in STREAMLIT_OPTIONS.items()]
    if case_dir is not None:
        cmd += ["--", "--case", str(case_dir)]
    return cmd


def streamlit_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for the server: ``base`` (default ``os.environ``) with telemetry off."""
    env = dict(os.environ if base is None else base)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["STREAMLIT_SERVER_HEADLESS"] = "true"
    return env
