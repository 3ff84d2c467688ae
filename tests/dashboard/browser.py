"""Real-browser helpers: Debian's Chromium driven by Playwright, a dashboard server.

Never downloads a browser: Playwright launches the system Chromium (``/usr/bin/chromium``
or ``$QPQ_CHROMIUM``). Where Chromium or Playwright is missing, a test fails with a clear
message under CI (``CI`` set) and is skipped with the reason elsewhere
(:func:`tests.required.unavailable`). Every page blocks requests that leave 127.0.0.1 (and
records them, so a test can assert there were none).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.required import unavailable

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "out" / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
LOCAL_PREFIXES = ("http://127.0.0.1", "ws://127.0.0.1", "file://", "data:", "blob:",
                  "about:")


def chromium_path() -> str | None:
    """The system Chromium (``$QPQ_CHROMIUM`` when set, even to a missing file), if any."""
    env = os.environ.get("QPQ_CHROMIUM")
    candidates = (env,) if env else ("/usr/bin/chromium", shutil.which("chromium"),
                                     shutil.which("chromium-browser"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_chromium() -> str:
    """Chromium's path, or fail/skip with the reason."""
    path = chromium_path()
    if path is None:
        unavailable("Chromium is not installed (apt-get install chromium; .ci/run does it)",
                    needed_by="browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[dev]')",
                    needed_by="browser tests")
    return path


def artifact(name: str) -> Path:
    """A path for a screenshot under out/test-artifacts/ (printed so it can be found)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    print(f"screenshot: {path}")
    return path


@dataclass
class Guard:
    """What a page did that a test may want to check."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def guard(page: Any) -> Guard:
    """Block every request that leaves this machine and record console errors."""
    g = Guard()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(LOCAL_PREFIXES):
            r.continue_()
        else:
            g.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: g.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: g.page_errors.append(str(e)))
    return g


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless system Chromium under Playwright."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A dashboard server process and its URL."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path


def _serve_script() -> str:
    # The real `qpq serve` code path: serve_command under a one-command typer app.
    return ("import typer; from qpq.cli._serve import serve_command; "
            "app = typer.Typer(); app.command()(serve_command); app()")


@contextlib.contextmanager
def dashboard_server(timeout: float = 60.0) -> Iterator[Server]:
    """Start ``serve_command`` on a free port, wait until it answers, stop it afterwards."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"dashboard-server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", _serve_script(), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the dashboard server exited with {proc.returncode}; "
                                   f"log: {log}\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard server did not answer within {timeout} s; "
                                   f"log: {log}")
            time.sleep(0.25)
        yield Server(proc, url, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
