"""qpq.files: a folder replaced whole, and signals held over file operations."""

from __future__ import annotations

import signal

import pytest

from qpq.files import replace_folder, signals_held, staged_file, write_file


def test_a_folder_is_replaced_whole_and_nothing_is_left_beside_it(tmp_path):
    target = tmp_path / "run"
    for i, names in enumerate((["a", "b", "c"], ["a"])):
        new = tmp_path / ".run.partial"
        new.mkdir()
        for n in names:
            (new / n).write_text(str(i))
        replace_folder(new, target)
        assert sorted(p.name for p in target.iterdir()) == names
        assert {p.read_text() for p in target.iterdir()} == {str(i)}
        assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_held_signals_reach_their_handlers_after_the_block_nested_or_not(monkeypatch):
    seen: list[str] = []

    def handler(signum: int, frame: object) -> None:
        seen.append("handled")
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        with pytest.raises(KeyboardInterrupt), signals_held():
            with signals_held():
                signal.raise_signal(signal.SIGINT)
                seen.append("inner done")
            seen.append("outer done")
        assert seen == ["inner done", "outer done", "handled"]
        assert signal.getsignal(signal.SIGINT) is handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with signals_held():                        # an ignored signal stays ignored
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_sent_twice_is_delivered_at_once():
    # a held block that hangs (a Dask cluster that does not start) must not keep the user
    # from stopping it
    seen: list[str] = []

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        with pytest.raises(KeyboardInterrupt), signals_held():
            signal.raise_signal(signal.SIGINT)
            seen.append("held once")
            signal.raise_signal(signal.SIGINT)
            seen.append("not reached")
        assert seen == ["held once"]
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_file_is_written_whole_or_the_earlier_one_stays(tmp_path):
    target = tmp_path / "out.json"
    write_file(target, "first\n")
    assert target.read_text() == "first\n"
    with pytest.raises(RuntimeError), staged_file(target) as tmp:
        tmp.write_text("half of the sec")
        raise RuntimeError("the disk is full")
    assert target.read_text() == "first\n"
    write_file(target, b"\x00second", durable=True)
    assert target.read_bytes() == b"\x00second"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_two_writers_of_one_target_stage_apart_and_the_last_rename_wins(tmp_path):
    target = tmp_path / "cache.pkl"
    with staged_file(target) as a, staged_file(target) as b:
        assert a != b and a.parent == b.parent == tmp_path and a.name.startswith(".")
        a.write_text("a")
        b.write_text("b")
    assert target.read_text() == "a"            # a's block ends last
    assert [p.name for p in tmp_path.iterdir()] == ["cache.pkl"]


def test_ctrl_c_while_staging_leaves_the_target_and_no_staged_file(tmp_path):
    target = tmp_path / "page.html"
    write_file(target, "earlier")
    with pytest.raises(KeyboardInterrupt), staged_file(target) as tmp:
        tmp.write_text("later")
        raise KeyboardInterrupt
    assert target.read_text() == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_a_link_is_followed_and_a_pipe_or_device_is_written_in_place(tmp_path):
    import os
    import threading

    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_file(link, "new")
    assert link.is_symlink() and real.read_text() == "new"

    # `--out /dev/stdout`, a named pipe: a rename would put a plain file in its place
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    write_file(pipe, "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and pipe.is_fifo()


def test_errors_name_the_target_and_its_folder_is_made(tmp_path):
    target = tmp_path / "new" / "folder" / "out.json"
    write_file(target, "x")
    assert target.read_text() == "x"
    with pytest.raises(PermissionError) as denied, staged_file(target) as tmp:
        raise PermissionError(13, "Permission denied", str(tmp))
    assert denied.value.filename == str(target)
    with pytest.raises(OSError) as full, staged_file(target) as tmp:
        raise OSError(28, "No space left on device")      # a full disk names no file
    assert full.value.filename == str(target) and full.value.errno == 28
    with pytest.raises(IsADirectoryError):
        write_file(tmp_path / "new", "x")
    (tmp_path / "plain").write_text("")
    with pytest.raises(NotADirectoryError) as under:      # its folder is a file
        write_file(tmp_path / "plain" / "deeper" / "out.json", "x")
    assert under.value.filename == str(tmp_path / "plain")
    assert "is a file" in str(under.value)
    assert target.read_text() == "x"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]


def test_another_writers_error_naming_the_staged_file_becomes_an_os_error_naming_the_target(
        tmp_path):
    # DuckDB's IOException says which file it could not write: the staged one
    target = tmp_path / "results.parquet"
    with pytest.raises(OSError) as caught, staged_file(target) as tmp:
        raise RuntimeError(f'IO Error: Could not write file "{tmp}": No space left on device')
    assert str(caught.value) == (f'IO Error: Could not write file "{target}": '
                                 "No space left on device")
    with pytest.raises(ValueError), staged_file(target):
        raise ValueError("an error about something else stays what it is")


def test_a_stream_reached_through_proc_is_appended_to_not_replaced(tmp_path):
    # `--out /dev/stdout >> log.txt`: a rename would replace the log, a truncating open
    # would empty it; a writer that truncates (DuckDB) writes a private file instead
    from pathlib import Path

    log = tmp_path / "log.txt"
    log.write_text("kept\n")
    with open(log, "a") as fh:
        stream = Path(f"/proc/self/fd/{fh.fileno()}")
        write_file(stream, "added\n")
        with staged_file(stream) as tmp:
            assert tmp != stream and tmp.parent != tmp_path
            tmp.write_text("written whole, ")          # truncating, as DuckDB opens files
            tmp.write_text("then appended\n")
        with pytest.raises(RuntimeError), staged_file(stream) as tmp:
            tmp.write_text("half")
            raise RuntimeError("a failed write adds nothing")
    assert log.read_text() == "kept\nadded\nthen appended\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.txt"]


def test_a_staged_folder_replaces_its_target_whole_or_not_at_all(tmp_path):
    from qpq.errors import BadInputError
    from qpq.files import check_output_folder, staged_folder

    target = tmp_path / "out"
    with staged_folder(target) as staged:
        (staged / "a.json").write_text("1")
    with pytest.raises(RuntimeError), staged_folder(target) as staged:
        (staged / "a.json").write_text("2")
        raise RuntimeError("the disk filled before the second file")
    assert (target / "a.json").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    check_output_folder(target, {"a.json", "b.json"}, option="--out", kind="backcast")
    (target / "notes.txt").write_text("mine")
    with pytest.raises(BadInputError, match=r"--out: .*out holds files that are not a "
                                            r"backcast's \(notes\.txt\)"):
        check_output_folder(target, {"a.json", "b.json"}, option="--out", kind="backcast")
    with pytest.raises(BadInputError, match="is a file"):
        check_output_folder(target / "notes.txt", {"a.json"}, option="--out", kind="backcast")


def test_a_hidden_file_does_not_block_an_output_folder(tmp_path):
    # a file manager's .DS_Store is no one's work (it blocked the report, the simulation
    # run's and the backcast's folders alike); a hidden folder is still refused
    from qpq.errors import BadInputError
    from qpq.files import check_output_folder

    (tmp_path / "a.json").write_text("1")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    check_output_folder(tmp_path, {"a.json"}, option="--out", kind="backcast")
    (tmp_path / ".git").mkdir()
    with pytest.raises(BadInputError, match=r"not a backcast's \(\.git\)"):
        check_output_folder(tmp_path, {"a.json"}, option="--out", kind="backcast")


def test_an_earlier_output_may_be_named_by_patterns_and_be_files_only(tmp_path):
    from qpq.errors import BadInputError
    from qpq.files import check_output_folder

    (tmp_path / "a.svg").write_text("<svg/>")
    (tmp_path / "b.png").write_bytes(b"png")
    check_output_folder(tmp_path, ("*.png", "*.svg"), option="--out", kind="report",
                        files_only=True)
    (tmp_path / "c.svg").mkdir()      # a folder named like a figure is not one
    with pytest.raises(BadInputError, match=r"not a report's \(c\.svg\)"):
        check_output_folder(tmp_path, ("*.png", "*.svg"), option="--out", kind="report",
                            files_only=True)
    check_output_folder(tmp_path, ("*.png", "*.svg"), option="--out", kind="report")
