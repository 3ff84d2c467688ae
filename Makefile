# qpq: two commands on a fresh machine — `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out

.PHONY: setup compile run test lint typecheck bench peers lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	bash tools/install.sh $(BIN)/python -c requirements.lock -e '.[all]'
	touch $(STAMP)

setup: $(STAMP)

## compile: byte-compile the project's own sources (the installer compiles the installed
## packages, not an editable install's). Where PYTHONDONTWRITEBYTECODE is set, as on the CI
## machine, no import writes a .pyc, so every interpreter (test workers, CLI subprocesses,
## pool and Dask workers) would otherwise compile qpq anew. Up-to-date files are skipped.
compile: setup
	$(BIN)/python -m compileall -q src

## run: set up, then run the main job on the built-in case (writes $(OUT)/report.html)
run: setup compile
	$(BIN)/qpq report --out $(OUT)

## test: set up, then lint, type-check and run the whole test suite
test: setup compile lint typecheck
	$(BIN)/python -m pytest -q -n 2 --dist worksteal --durations=15

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

## bench: set up the peers' environments (skipped with a message when their Python is
## missing), run the benchmarks, write bench/results.json and bench/README.md
bench: setup peers
	$(BIN)/python -m bench

peers:
	@for s in bench/peers/*/setup.sh; do \
	  d=$$(dirname $$s); \
	  if [ -x $$d/.venv/bin/python ]; then echo "peer $$d: ready"; \
	  else bash $$s || echo "peer $$d: not set up (its benchmarks will say skipped)"; fi; \
	done

## lock: re-pin every transitive dependency after changing pyproject.toml
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > requirements.lock

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
	find src -name __pycache__ -type d -prune -exec rm -rf {} +
