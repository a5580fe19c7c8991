# The two commands a new user needs are `make demo` and `make test` (see README.md).
# Every target calls `setup` first, which is quick and changes nothing when done already.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.netmarketing-installed

.PHONY: setup demo test test-fast lab grade lint format data bench clean hub hub-stop

setup: $(STAMP)
	@bash scripts/setup_system.sh
	@bash scripts/setup_venv.sh "$(PYTHON)" "$(VENV)" --proxy-only

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml scripts/setup_venv.sh $(shell find langpack/pyproject.toml langpack/jupyterlab_language_pack_zh_TW langpack/labextension -type f -not -path '*__pycache__*')
	@bash scripts/setup_venv.sh "$(PYTHON)" "$(VENV)"
	@touch $(STAMP)

demo: setup
	$(BIN)/netmarketing demo

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

# While iterating: everything but the slow notebook and pipeline tests.
test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

lab: setup
	$(BIN)/netmarketing lab

# A class JupyterHub on this machine (root): learners from autograder/roster.csv, INSTRUCTOR is a hub admin.
#   sudo make hub INSTRUCTOR=teacher1        then open http://127.0.0.1:8000 ; stop with: sudo make hub-stop
hub: setup
	@test -n "$(INSTRUCTOR)" || { echo "用法 (usage): sudo make hub INSTRUCTOR=講師帳號"; exit 2; }
	$(BIN)/netmarketing hub start --instructor $(INSTRUCTOR)

hub-stop: setup
	$(BIN)/netmarketing hub stop

# Autograde every submission of a module (or MODULE=all, graded in one pool): make grade MODULE=01_market_analysis
grade: setup
	@test -n "$(MODULE)" || { echo "用法 (usage): make grade MODULE=01_market_analysis"; exit 2; }
	$(BIN)/netmarketing grade $(MODULE)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

data: setup
	$(BIN)/netmarketing data build --seed 2027 --out datasets/generated

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) datasets/generated autograder/release autograder/submitted \
	       autograder/autograded autograder/feedback autograder/gradebook.db reports
