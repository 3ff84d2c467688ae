#!/usr/bin/env bash
# Create bench/peers/decide/.venv with Python 3.13 and the decide-exchange-model peer.
#
# decide-exchange-model 2025.3.1 requires Python 3.13 exactly (older releases pin numpy
# 1.23, which does not build on 3.12+). Set PYTHON313 to choose the interpreter; by default
# we look for pyenv's 3.13 and then for python3.13 on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON313:-}"
if [[ -z "$py" ]]; then
  for cand in "$HOME/.pyenv/versions/3.13.0/bin/python" "$(command -v python3.13 || true)"; do
    if [[ -n "$cand" && -x "$cand" ]]; then py="$cand"; break; fi
  done
fi
if [[ -z "$py" ]]; then
  echo "decide peer: no Python 3.13 found (set PYTHON313=/path/to/python3.13); skipping" >&2
  exit 3
fi
"$py" -m venv "$here/.venv"
bash "$here/../../../tools/install.sh" "$here/.venv/bin/python" "decide-exchange-model==2025.3.1"
"$here/.venv/bin/python" -c "import decide, decide.cli; print('decide peer ready')"
