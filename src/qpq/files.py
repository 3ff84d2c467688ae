"""Writing outputs so that no reader sees half of one, and Ctrl-C does not leave half of one.

* :func:`signals_held` — SIGINT and SIGTERM wait until a block of file operations is over,
  then reach their own handlers (a Ctrl-C during a Parquet write, or between the renames
  that put a run in place).
* :func:`staged_file`, :func:`write_file` — a file is written beside its target under a
  name of its own (``.NAME.PID.N.writing``) and renamed into place when whole; a failed
  write (a full disk, an exception, Ctrl-C) removes the staged file and leaves the target
  as it was. ``durable=True`` also flushes the file and its folder to disk (a run store's
  chunks and manifest, which a resume trusts after a power cut).
* :func:`errors_named` — an error about a staged path names the target the user gave.
* :func:`staged_folder`, :func:`check_output_folder` — an output folder (``sim backcast
  --out``) is written as ``.NAME.partial`` and put in place whole by :func:`replace_folder`;
  before any work, a folder holding files that are not the output's is refused (the
  replacement would delete them).
* :func:`replace_folder` — a folder written elsewhere takes the place of an earlier one
  (a simulation run's, the report's figures): the earlier one is moved aside, the new one
  moved in, the earlier one removed, with the signals held. A crash between the two moves
  leaves both folders (the earlier one as ``.NAME.old``), never a folder with a mix of two.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import itertools
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qpq.errors import BadInputError

__all__ = ["check_output_folder", "errors_named", "replace_folder", "signals_held",
           "staged_file", "staged_folder", "write_file"]

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# a staged name per write, so that two writers of one target (two shells, a backtest's
# processes, threads) never write into each other's file; the last rename wins, whole
_SERIAL = itertools.count()


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


@contextmanager
def staged_file(target: Path, *, durable: bool = False) -> Iterator[Path]:
    """Give a path beside ``target`` to write; when the block ends normally it becomes ``target``.

    The staged path is in ``target``'s folder (a rename within one file system is atomic),
    hidden and unique to this write; the folder is made if missing. When the block raises,
    the staged file is removed and ``target`` is untouched, and a file system error names
    ``target``, not the staged file. The rename itself is done with the signals held.

    A link is followed: the file it names is replaced and the link stays. A target that is
    neither a file nor a folder (a named pipe, a device), or that is reached through
    ``/dev`` or ``/proc`` (``/dev/stdout``, whatever the shell made of it), cannot be
    replaced by a rename: the block writes a private file in the system's temporary folder,
    whose bytes are then appended to the target (a shell's ``>>`` keeps what it held; a
    writer that truncates, like DuckDB, never sees the target).
    """
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
    if _in_place(target):
        yield from _through_stream(target)
        return
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    tmp = real.with_name(f".{real.name}.{os.getpid()}.{next(_SERIAL)}.writing")
    try:
        with errors_named(target, tmp):
            _make_folder(real.parent)
            yield tmp
            if durable:
                _fsync(tmp)
            with signals_held():
                os.replace(tmp, real)
            if durable:
                _fsync(real.parent, folder=True)
    finally:
        with contextlib.suppress(OSError):  # gone, never made, or its folder a file
            tmp.unlink()


def _through_stream(target: Path) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix=".qpq-", suffix=".writing")
    os.close(fd)
    tmp = Path(name)
    try:
        with errors_named(target, tmp):
            yield tmp
            with open(tmp, "rb") as source, open(target, "ab") as stream:
                shutil.copyfileobj(source, stream)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # "File exists" named the file that stands where a folder is needed, and read as
        # if the target existed; "Not a directory" named a folder below it
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()),
                       None)
        if blocker is None:
            raise
        raise NotADirectoryError(errno.ENOTDIR, "is a file, so nothing can be written under "
                                 "it", str(blocker)) from None


def _in_place(target: Path) -> bool:
    # a pipe, a terminal, a device, or a stream reached through /dev or /proc
    # (/dev/stdout redirected to a file with >> must be appended to, not replaced)
    if target.exists() and not target.is_file():
        return True
    return any(str(p).startswith(("/dev/", "/proc/"))
               for p in (target.absolute(), Path(os.path.realpath(target))))


@contextmanager
def errors_named(target: Path, staged: Path) -> Iterator[None]:
    """Report an error about ``staged`` (written in place of ``target``) as ``target``'s.

    The user named the target: an error about the staged path, about a file kept under it
    (``NAME.parts/...``, ``.NAME.partial/series/...``) or about no file at all (a full disk)
    names the target. A writer that is not Python's (DuckDB) raises its own error type with
    the path in its text: it becomes an OSError with the target's name in that text, which
    the CLI reports as a sentence.
    """
    written = str(staged)
    try:
        yield
    except Exception as exc:
        if (isinstance(exc, OSError) and exc.errno is not None
                and (exc.filename is None or str(exc.filename).startswith(written))):
            raise type(exc)(exc.errno, exc.strerror, str(target)) from exc
        if written in str(exc):
            raise OSError(str(exc).replace(written, str(target))) from exc
        raise


def write_file(target: Path, data: str | bytes, *, durable: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to ``target`` whole or not at all (:func:`staged_file`).

    A stream written in place (``/dev/stdout``) is appended to, never truncated: a shell's
    ``>>`` keeps what the file held.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with staged_file(target, durable=durable) as tmp, open(tmp, "wb") as fh:
        fh.write(payload)


def _fsync(path: Path, *, folder: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if folder:          # not every OS can open a folder; the file's own sync was done
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


def _hidden_file(entry: Path) -> bool:
    return entry.name.startswith(".") and entry.is_file()


def check_output_folder(folder: Path, entries: Collection[str], *, option: str,
                        kind: str, files_only: bool = False) -> None:
    """Refuse ``folder`` unless it is absent, empty, or holds only ``entries`` (an earlier output).

    ``entries`` are names or patterns (``"*.svg"``); with ``files_only`` a folder inside
    is not an earlier output's whatever its name. A hidden file (a file manager's
    ``.DS_Store``, after opening the folder in Finder) is no one's work and never blocks.
    ``kind`` names the output in the message ("simulation run", "backcast", "report").

    Raises
    ------
    BadInputError
        Naming ``option``, the folder and the entries that are not the output's.
    """
    folder = Path(folder)
    for path in (folder.parent, folder):
        if path.exists() and not path.is_dir():
            raise BadInputError(f"{option}: {path} is a file; allowed: a new folder, an empty "
                                f"one or an earlier {kind}'s (which the new {kind} replaces)")
    other = sorted(e.name for e in folder.iterdir()
                   if not _hidden_file(e)
                   and (not any(fnmatch.fnmatchcase(e.name, p) for p in entries)
                        or (files_only and not e.is_file()))) if folder.is_dir() else []
    if other:
        raise BadInputError(
            f"{option}: {folder} holds files that are not a {kind}'s "
            f"({', '.join(other[:5])}{', ...' if len(other) > 5 else ''}), and a finished "
            f"{kind} replaces the folder; allowed: a new folder, an empty one or an earlier "
            f"{kind}'s")


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Give a hidden folder beside ``target`` to fill; when the block ends it replaces ``target``.

    A failed block removes it and leaves ``target`` as it was (:func:`replace_folder`).
    """
    target = Path(target)
    staged = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staged, ignore_errors=True)        # a crash's leftovers: ours (the name)
    staged.mkdir(parents=True)
    try:
        yield staged
        replace_folder(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
