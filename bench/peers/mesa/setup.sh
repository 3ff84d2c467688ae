#!/usr/bin/env bash
# Create bench/peers/mesa/.venv with Python 3.12 and the Mesa 3 peer of the simulator.
#
# The peer (model.py) implements the same quarterly equations as qpq.sim.dynamics with one
# Mesa Model per scenario and one agent per actor group; bench/sim_bench.py runs a sample
# of scenarios in this venv and extrapolates. Set PYTHON312 to choose the interpreter; by
# default pyenv's 3.12.1, then python3.12 on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON312:-}"
if [[ -z "$py" ]]; then
  for cand in "/root/.pyenv/versions/3.12.1/bin/python" "$HOME/.pyenv/versions/3.12.1/bin/python" \
              "$(command -v python3.12 || true)"; do
    if [[ -n "$cand" && -x "$cand" ]]; then py="$cand"; break; fi
  done
fi
if [[ -z "$py" ]]; then
  echo "mesa peer: no Python 3.12 found (set PYTHON312=/path/to/python3.12); skipping" >&2
  exit 3
fi
"$py" -m venv "$here/.venv"
bash "$here/../../../tools/install.sh" "$here/.venv/bin/python" "mesa==3.5.1" "networkx==3.7" "numpy==2.5.5" \
  "scipy==1.18.1"
# mesa 3.5.1 imports networkx (mesa.discrete_space) without requiring it, hence the pin.
"$here/.venv/bin/python" -c "import mesa; print('mesa peer ready: mesa', mesa.__version__)"
