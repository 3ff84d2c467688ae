#!/usr/bin/env bash
# Create bench/peers/ema/.venv with Python 3.12, EMA Workbench 3 and qpq itself.
#
# EMA Workbench 3.0.0 needs Python >= 3.12 (qpq's own venv is 3.11). The peer
# (run_ema.py) wraps qpq's own per-experiment code in an EMA Model and runs it with EMA's
# SequentialEvaluator, so both sides compute the same equations; qpq is therefore
# installed here in editable mode from this checkout (the repository root, two folders up
# from here), with the versions of requirements.lock (same numpy/scipy/pandas as qpq's venv).
# Set PYTHON312 to choose the interpreter; by default pyenv's 3.12.1, then python3.12.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
py="${PYTHON312:-}"
if [[ -z "$py" ]]; then
  for cand in "/root/.pyenv/versions/3.12.1/bin/python" "$HOME/.pyenv/versions/3.12.1/bin/python" \
              "$(command -v python3.12 || true)"; do
    if [[ -n "$cand" && -x "$cand" ]]; then py="$cand"; break; fi
  done
fi
if [[ -z "$py" ]]; then
  echo "ema peer: no Python 3.12 found (set PYTHON312=/path/to/python3.12); skipping" >&2
  exit 3
fi
"$py" -m venv "$here/.venv"
bash "$root/tools/install.sh" "$here/.venv/bin/python" -c "$root/requirements.lock" \
  "ema-workbench==3.0.0" -e "$root"
"$here/.venv/bin/python" -W ignore -c "import ema_workbench, qpq; print('ema peer ready: ema_workbench', ema_workbench.__version__, '+ qpq', qpq.__version__)"
