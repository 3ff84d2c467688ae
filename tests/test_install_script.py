"""tools/install.sh: uv where it works, pip with the same arguments where it does not.

The interpreter and uv are stand-in scripts that record how they were called (one argument
a line), so nothing is installed and no index is reached.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "install.sh"
LOCK = str(SCRIPT.parents[1] / "requirements.lock")
ARGS = ["-c", "requirements.lock", "-e", ".[all]", "a spec with spaces"]
PIP = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def _stub(path: Path, log: Path, rc: int) -> None:
    path.write_text("#!/usr/bin/env bash\n"
                    f'{{ echo "CALL $(basename "$0")"; printf "%s\\n" "$@"; '
                    f'echo "INDEX ${{UV_DEFAULT_INDEX:-}}|${{UV_INDEX:-}}|'
                    f'${{UV_INDEX_STRATEGY:-}}|${{UV_FIND_LINKS:-}}"; }} >> "{log}"\n'
                    f"exit {rc}\n")
    path.chmod(0o755)


def _run(tmp_path: Path, *, python_rc: int = 0, uv_rc: int | None = 0,
         env: dict[str, str] | None = None) -> tuple[int, str, list[tuple[str, list[str], str]]]:
    """Run the script; return its exit code, its stderr and the calls (program, args, index)."""
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    log = tmp_path / "calls.log"
    _stub(bindir / "python", log, python_rc)
    if uv_rc is not None:
        _stub(bindir / "uv", log, uv_rc)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    done = subprocess.run(["bash", str(SCRIPT), str(bindir / "python"), *ARGS],
                          env={**environ, **(env or {})}, capture_output=True, text=True)
    calls = []
    for chunk in log.read_text().split("CALL ")[1:]:
        lines = chunk.splitlines()
        calls.append((lines[0], lines[1:-1], lines[-1]))
    return done.returncode, done.stderr, calls


def _python(tmp_path: Path) -> str:
    return str(tmp_path / "venv" / "bin" / "python")


def test_uv_installs_with_the_given_arguments(tmp_path: Path) -> None:
    rc, _, calls = _run(tmp_path)
    assert rc == 0
    assert [(prog, args) for prog, args, _ in calls] == [
        ("python", [*PIP, "-c", LOCK, "uv"]),           # the pinned uv, every time
        ("uv", ["pip", "install", "--quiet", "--python", _python(tmp_path),
                "--compile-bytecode", *ARGS])]


def test_pip_takes_over_with_the_same_arguments_where_uv_fails(tmp_path: Path) -> None:
    rc, err, calls = _run(tmp_path, uv_rc=2)
    assert rc == 0 and "uv failed; installing with pip instead" in err
    assert [prog for prog, _, _ in calls] == ["python", "uv", "python"]
    assert calls[-1][1] == [*PIP, *ARGS]


def test_pip_installs_where_uv_cannot_be_installed(tmp_path: Path) -> None:
    rc, err, calls = _run(tmp_path, uv_rc=None)      # pip "succeeds" but leaves no uv
    assert rc == 0 and "uv could not be installed" in err
    assert [(prog, args) for prog, args, _ in calls] == [
        ("python", [*PIP, "-c", LOCK, "uv"]), ("python", [*PIP, *ARGS])]


def test_a_failing_pip_fails_the_install(tmp_path: Path) -> None:
    rc, _, calls = _run(tmp_path, python_rc=3, uv_rc=None)
    assert rc == 3 and len(calls) == 2


def test_pips_index_settings_reach_uv(tmp_path: Path) -> None:
    rc, _, calls = _run(tmp_path, env={"PIP_INDEX_URL": "https://mirror.example/simple",
                                       "PIP_EXTRA_INDEX_URL": "file:///opt/more"})
    assert rc == 0
    assert calls[1][2] == ("INDEX https://mirror.example/simple|file:///opt/more|"
                           "unsafe-best-match|")


def test_pips_find_links_reach_uv_comma_separated(tmp_path: Path) -> None:
    # an offline mirror of wheels given to pip reached only pip (2026-12-06)
    rc, _, calls = _run(tmp_path, env={"PIP_FIND_LINKS": " /opt/wheels  file:///mnt/more\n"})
    assert rc == 0
    assert calls[1][2] == "INDEX |||/opt/wheels,file:///mnt/more"


def test_without_arguments_the_script_says_how_to_call_it() -> None:
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 2 and "usage: tools/install.sh PYTHON" in done.stderr
