#!/usr/bin/env bash
# Install packages into a virtual environment: tools/install.sh PYTHON [ARGS...]
#
# PYTHON is the venv's interpreter; ARGS are pip-style install arguments (-c, -e, specs).
# uv installs them where it can, pip where it cannot. Why uv: on the 2-core CI machine, pip
# took 66 s to install the project's 127 locked packages from its caches and uv 15 s, with
# the same versions (`pip freeze` identical) and the same byte-compiled files (measured
# 2026-12-05); the CI's wall time is held under 10 minutes. uv itself is pinned in
# requirements.lock and installed with pip, which reads this machine's pip configuration;
# uv reads only its own, so the pip index settings given as environment variables are passed
# on. Where uv cannot be installed or fails (an index only pip is configured for, no
# network), pip does the whole install, as before: both honour the same constraints.
set -euo pipefail
py="$1"; shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bindir="$(dirname "$py")"

if [[ -n "${PIP_INDEX_URL:-}" ]]; then export UV_DEFAULT_INDEX="$PIP_INDEX_URL"; fi
if [[ -n "${PIP_EXTRA_INDEX_URL:-}" ]]; then export UV_INDEX="$PIP_EXTRA_INDEX_URL"; fi
export UV_NO_PROGRESS=1

# the target venv's own uv, else the project's (the peers' venvs), else one installed now
uv=""
for cand in "$bindir/uv" "$root/.venv/bin/uv"; do
  if [[ -x "$cand" ]]; then uv="$cand"; break; fi
done
if [[ -z "$uv" ]] \
  && "$py" -m pip install --quiet --disable-pip-version-check -c "$root/requirements.lock" uv; then
  uv="$bindir/uv"
fi
if [[ -n "$uv" ]]; then
  # --compile-bytecode: CI sets PYTHONDONTWRITEBYTECODE, so a file not compiled here would
  # be compiled again by every interpreter the tests start (pip compiles by default).
  if "$uv" pip install --quiet --python "$py" --compile-bytecode "$@"; then
    exit 0
  fi
  echo "tools/install.sh: uv failed; installing with pip instead" >&2
fi
"$py" -m pip install --quiet --disable-pip-version-check "$@"
