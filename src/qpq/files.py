"""Writing outputs so that no reader sees half of one, and Ctrl-C does not leave half of one.

* :func:`signals_held` — SIGINT and SIGTERM wait until a block of file operations is over,
  then reach their own handlers (a Ctrl-C during a Parquet write, or between the renames
  that put a run in place).
* :func:`replace_folder` — a folder written elsewhere takes the place of an earlier one
  (a simulation run's, the report's figures): the earlier one is moved aside, the new one
  moved in, the earlier one removed, with the signals held. A crash between the two moves
  leaves both folders (the earlier one as ``.NAME.old``), never a folder with a mix of two.

Single files are written beside their target and renamed by their owners (a Parquet file:
:func:`qpq.sim.write_parquet`; a run store's manifest; the calibration cache), each with its
own needs (fsync, a name per process).
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["replace_folder", "signals_held"]

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them to their handlers.

    A signal that comes a second time is delivered at once: whoever presses Ctrl-C twice
    (a block that hangs: a cluster that does not start) is not kept waiting. Only the main
    thread receives signals in Python, so elsewhere there is nothing to hold; a handler
    installed outside Python (``getsignal`` gives None) could not be put back, so that
    signal is left alone. An ignored signal stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous: dict[int, Any] = {}

    def release() -> list[int]:
        for s, handler in previous.items():
            signal.signal(s, handler)
        previous.clear()
        due = list(dict.fromkeys(arrived))
        arrived.clear()
        return due

    def hold(signum: int, _frame: Any) -> None:
        if signum in arrived:                   # asked twice: stop now
            for s in release():
                signal.raise_signal(s)
        else:
            arrived.append(signum)

    previous.update({s: signal.signal(s, hold) for s in _HELD_SIGNALS
                     if signal.getsignal(s) is not None})
    try:
        yield
    finally:
        for signum in release():
            signal.raise_signal(signum)


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` in the place of ``target`` (which need not exist)."""
    old = target.with_name(f".{target.name}.old")
    with signals_held():
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
