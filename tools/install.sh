#!/usr/bin/env bash
# Install packages into a virtual environment: tools/install.sh PYTHON [ARGS...]
#
# PYTHON is the venv's interpreter; ARGS are pip-style install arguments (-c, -e, specs).
# uv installs them where it can, pip where it cannot. Why uv: on the 2-core CI machine, pip
# took 66 s to install the project's 127 locked packages from its caches and uv 15 s, with
# the same versions (`pip freeze` identical) and the same byte-compiled files (measured
# 2026-12-05); the CI's wall time is held under 10 minutes.
#
# uv is pinned in requirements.lock and installed into the venv with pip every time (a
# second or two; it keeps the venv's uv at the pinned version). pip reads this machine's
# pip configuration; uv reads none of it. Passed on: PIP_INDEX_URL and PIP_EXTRA_INDEX_URL
# (searched as pip searches them, the best match over all indexes) and PIP_FIND_LINKS (a
# folder or page of wheels, e.g. an offline mirror; pip's list is space-separated, uv's
# comma-separated). Not passed on: pip.conf files, pip's own constraint file, proxy
# settings. Where uv cannot be installed
# or fails (an index only pip knows, no network), pip does the whole install, as before;
# both honour the constraints given in ARGS. uv keeps its own cache: on a machine whose
# caches are pip's alone, uv's first install compiles pygambit from source (minutes) once.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: tools/install.sh PYTHON INSTALL-ARGS... (the venv's interpreter, then what" \
       "pip install would take)" >&2
  exit 2
fi
py="$1"; shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
uv="$(dirname "$py")/uv"

if [[ -n "${PIP_INDEX_URL:-}" ]]; then export UV_DEFAULT_INDEX="$PIP_INDEX_URL"; fi
if [[ -n "${PIP_EXTRA_INDEX_URL:-}" ]]; then
  export UV_INDEX="$PIP_EXTRA_INDEX_URL" UV_INDEX_STRATEGY=unsafe-best-match
fi
if [[ -n "${PIP_FIND_LINKS:-}" ]]; then
  links="$(printf '%s' "$PIP_FIND_LINKS" | tr -s '[:space:]' ',')"
  links="${links#,}"; export UV_FIND_LINKS="${links%,}"
fi
export UV_NO_PROGRESS=1

if "$py" -m pip install --quiet --disable-pip-version-check -c "$root/requirements.lock" uv \
    && [[ -x "$uv" ]]; then
  # --compile-bytecode: CI sets PYTHONDONTWRITEBYTECODE, so a file not compiled here would
  # be compiled again by every interpreter the tests start (pip compiles by default).
  if "$uv" pip install --quiet --python "$py" --compile-bytecode "$@"; then
    exit 0
  fi
  echo "tools/install.sh: uv failed; installing with pip instead" >&2
else
  echo "tools/install.sh: uv could not be installed; installing with pip instead" >&2
fi
"$py" -m pip install --quiet --disable-pip-version-check "$@"
