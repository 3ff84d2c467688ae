"""``qpq serve``: the local what-if dashboard (Streamlit), on 127.0.0.1 unless told otherwise.

Examples::

    qpq serve                      # http://127.0.0.1:8501
    qpq serve --port 8600
    qpq serve --case path/to/my_case
    qpq serve --print-command      # show the Streamlit command line and exit

The server is headless (it opens no browser), sends no usage statistics
(``browser.gatherUsageStats`` is off) and reaches no network: the app reads the case files
on disk. Stop it with Ctrl-C.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from qpq.cli._common import console, err_console
from qpq.dashboard import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    is_loopback,
    streamlit_command,
    streamlit_env,
)
from qpq.errors import BadInputError, QpqError

__all__ = ["serve_command"]


def serve_command(
    port: Annotated[int, typer.Option("--port", help="port to listen on", min=1, max=65535)
                    ] = DEFAULT_PORT,
    host: Annotated[str, typer.Option("--host", help="address to bind (default: this machine "
                                      "only)")] = DEFAULT_HOST,
    case: Annotated[Path | None, typer.Option("--case", help="case folder (default: built-in)",
                                              file_okay=False)] = None,
    print_command: Annotated[bool, typer.Option("--print-command",
                                                help="print the server's command line and "
                                                "exit")] = False,
) -> None:
    """Serve the what-if dashboard: policy, sliders, equilibrium, phase diagram, forecast.

    Example: ``qpq serve --port 8501`` then open http://127.0.0.1:8501
    """
    if case is not None and not case.is_dir():
        raise BadInputError(f"--case {case}: no such folder")
    if case is not None:
        # a case the lenses would refuse is refused here, before a server starts on it
        from qpq.case import load_case
        from qpq.sim import sim_registry

        sim_registry(load_case(case))
    cmd = streamlit_command(port, host, case_dir=None if case is None else case.resolve())
    if print_command:
        typer.echo(shlex.join(cmd))
        return
    if importlib.util.find_spec("streamlit") is None:
        raise QpqError("the dashboard needs Streamlit: pip install 'qpq[dashboard]'")
    if not is_loopback(host):
        err_console.print(f"[yellow]warning:[/yellow] binding to {host} makes the dashboard "
                          "reachable from other machines")
    console.print(f"qpq dashboard on http://{host}:{port} (Ctrl-C stops it)")
    env = streamlit_env()
    if os.name == "posix":
        # Replace this process: signals (Ctrl-C, kill) reach the server itself.
        os.execve(cmd[0], cmd, env)  # pragma: no cover - only returns on failure
    code = subprocess.call(cmd, env=env)  # pragma: no cover - non-POSIX systems
    if code:  # pragma: no cover
        raise typer.Exit(code)
