"""tools/install.sh: uv where it works, pip with the same arguments where it does not.

The interpreter and uv are stand-in scripts that record how they were called, so nothing is
installed and no index is reached.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "install.sh"
ARGS = ["-c", "requirements.lock", "-e", ".[all]"]


def _stub(path: Path, log: Path, rc: int) -> None:
    path.write_text("#!/usr/bin/env bash\n"
                    f'echo "$(basename "$0") $* | index=${{UV_DEFAULT_INDEX:-}}" >> "{log}"\n'
                    f"exit {rc}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run(tmp_path: Path, uv_rc: int, env: dict[str, str] | None = None) -> list[str]:
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    log = tmp_path / "calls.log"
    _stub(bindir / "python", log, 0)
    _stub(bindir / "uv", log, uv_rc)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    subprocess.run(["bash", str(SCRIPT), str(bindir / "python"), *ARGS], check=True,
                   env={**environ, **(env or {})}, capture_output=True, text=True)
    return log.read_text().splitlines()


def test_uv_installs_with_the_given_arguments(tmp_path: Path) -> None:
    calls = _run(tmp_path, uv_rc=0)
    python = str(tmp_path / "venv" / "bin" / "python")
    assert calls == [f"uv pip install --quiet --python {python} --compile-bytecode "
                     f"{' '.join(ARGS)} | index="]


def test_pip_takes_over_with_the_same_arguments_where_uv_fails(tmp_path: Path) -> None:
    calls = _run(tmp_path, uv_rc=2)
    assert len(calls) == 2 and calls[0].startswith("uv pip install")
    assert calls[1] == f"python -m pip install --quiet --disable-pip-version-check " \
                       f"{' '.join(ARGS)} | index="


def test_pips_index_setting_reaches_uv(tmp_path: Path) -> None:
    calls = _run(tmp_path, uv_rc=0, env={"PIP_INDEX_URL": "https://mirror.example/simple"})
    assert calls[0].endswith("| index=https://mirror.example/simple")
