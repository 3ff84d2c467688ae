from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qpq.cli import main
from qpq.cli._serve import serve_command
from qpq.dashboard._server import APP_PATH, is_loopback, streamlit_command, streamlit_env
from qpq.errors import EXIT_BAD_INPUT


def test_command_is_headless_local_and_without_telemetry() -> None:
    cmd = streamlit_command(8600)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP_PATH)
    assert APP_PATH.is_file()
    for option in ("--server.port=8600", "--server.address=127.0.0.1",
                   "--server.headless=true", "--browser.gatherUsageStats=false",
                   "--global.developmentMode=false", "--server.fileWatcherType=none"):
        assert option in cmd
    env = streamlit_env({"PATH": "/bin"})
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false" and env["PATH"] == "/bin"


def test_case_folder_goes_to_the_app(tmp_path: Path) -> None:
    cmd = streamlit_command(8600, case_dir=tmp_path)
    assert cmd[-3:] == ["--", "--case", str(tmp_path)]


def test_port_and_host_checks() -> None:
    with pytest.raises(ValueError, match="port"):
        streamlit_command(0)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(serve_command)
    return app


def test_serve_command_prints_the_command_line() -> None:
    result = CliRunner().invoke(_app(), ["--port", "8765", "--print-command"])
    assert result.exit_code == 0, result.output
    assert "--server.port=8765" in result.output
    assert "--server.address=127.0.0.1" in result.output
    assert "--browser.gatherUsageStats=false" in result.output


def test_serve_command_rejects_bad_input(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # through qpq's own entry point, whose exit-code mapping turns a refusal into exit 2 (the
    # bare app above would show a BadInputError as exit 1, the same as any crash)
    code = main(["serve", "--port", "70000", "--print-command"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == EXIT_BAD_INPUT and "Invalid value for '--port'" in err
    missing = tmp_path / "missing"
    code = main(["serve", "--case", str(missing), "--print-command"])
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT and out == ""
    assert f"error: --case {missing}: no such folder" in " ".join(err.split())
