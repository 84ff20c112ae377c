# Developer entry points. `make run` and `make test` work on a fresh clone:
# each builds .venv from pyproject.toml first if it is missing or stale.

# The Lambda functions run python3.13 (devstack/package.py: LAMBDA_PYTHON), so the
# project is built and tested on Python 3.13 when the machine has one: on the PATH,
# or installed through pyenv (which keeps it off the PATH until asked). Otherwise
# the default python3: `make run` and `make test` work there too, and `make
# package` says what to install. `make PYTHON=...` picks another.
LAMBDA_PYTHON := 3.13
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(shell for candidate in python$(LAMBDA_PYTHON) \
    "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/$(LAMBDA_PYTHON)*/bin/python$(LAMBDA_PYTHON); do \
    "$$candidate" -c '' 2>/dev/null && echo "$$candidate"; done) python3)
endif
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV := .venv
BIN := $(VENV)/bin
# One stamp per Python: a .venv made by another Python is made again.
STAMP := $(VENV)/.installed-$(PYTHON_VERSION)
PORT ?= 8000
MOTO_PORT ?= 5000

.PHONY: help run aws fuzz lint record-wordpress-urls vendor-desk bench-scale bench-send bench-files test test-fast package deploy check resync chaos system-deps bench bench-pages bench-peer clean

## help: this list
help:
	@awk '/^## /{sub(/^## /, ""); split($$0, part, ": "); printf "  make %-12s %s\n", part[1], substr($$0, length(part[1]) + 3)}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$(PYTHON_VERSION)" \
	  || { rm -rf $(VENV); echo "making $(VENV) with $(PYTHON) (Python $(PYTHON_VERSION))"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 asks for pip<26.3: no conflict ERROR at setup
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: serve the site with sample content at http://127.0.0.1:$(PORT)/ (AWS stand-in on $(MOTO_PORT))
run: $(STAMP)
	$(BIN)/newsroom-dev serve --port $(PORT) --moto-port $(MOTO_PORT)

## aws: the local AWS stand-in alone, with the sample content, on $(MOTO_PORT); serve beside it with `chalice local`
aws: $(STAMP)
	$(BIN)/newsroom-dev aws --moto-port $(MOTO_PORT)

## lint: ruff (pyflakes, pycodestyle, bugbear, import order) on everything, mypy --strict on chalicelib/ and newsroom/
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## test: lint, then the whole suite, the same examples every run (Lambda package, browser tests too); TEST_WORKERS=2: on 2 processes
# Each worker runs whole modules (--dist loadfile) with its own moto and stack (docs/architecture.md, the test harness).
# 0 (one process) until test_generated_sites' failure after some modules on a worker is explained (issue 42's report).
TEST_WORKERS ?= 0
test: lint system-deps tests/browser-tools/node_modules/axe-core/axe.min.js desk-editor/node_modules/.package-lock.json
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# axe-core for the desk's accessibility tests, pinned in tests/browser-tools/package.json
tests/browser-tools/node_modules/axe-core/axe.min.js: tests/browser-tools/package.json
	@if command -v npm >/dev/null; then cd tests/browser-tools && npm install --no-audit --no-fund --loglevel=error; \
	  elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
	    && cd tests/browser-tools && npm install --no-audit --no-fund --loglevel=error; \
	  else echo "npm is missing: the accessibility tests will be skipped (sudo apt-get install npm)"; fi

# The body editor's packages (its round trip runs under Node: tests/functional/test_body_editor_roundtrip.py),
# exactly as desk-editor/package-lock.json pins them
desk-editor/node_modules/.package-lock.json: desk-editor/package-lock.json
	@if command -v npm >/dev/null; then cd desk-editor && npm ci --no-audit --no-fund --loglevel=error; \
	  elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
	    && cd desk-editor && npm ci --no-audit --no-fund --loglevel=error; \
	  else echo "npm is missing: the body editor's tests will be skipped (sudo apt-get install npm)"; fi

## system-deps: Debian's Chromium (browser tests, Lighthouse) and Java (the Nu HTML checker), installed when running as root
SYSTEM_PACKAGES := $(if $(shell command -v chromium),,chromium) $(if $(shell command -v java),,default-jre-headless)
system-deps:
	@if [ -n "$(strip $(SYSTEM_PACKAGES))" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "missing $(SYSTEM_PACKAGES): the tests that need them will be skipped (sudo apt-get install $(SYSTEM_PACKAGES))"; fi; fi

## test-fast: the test suite without the slow packaging tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadfile

## chaos: 500 uploads, updates and deletes with duplicated, reordered deliveries and injected faults
chaos: $(STAMP)
	NEWSROOM_CHAOS_OPERATIONS=500 $(BIN)/python -m pytest tests/chaos -q -s 2>&1 | grep -E "chaos (figures|mismatch)|^E  |passed in|failed in"

## fuzz: every hypothesis test, new random examples, FUZZ_FACTOR (10) x what make test draws; keep finds as @example lines
FUZZ_FACTOR ?= 10
fuzz: $(STAMP)
	FUZZ_FACTOR=$(FUZZ_FACTOR) $(BIN)/python -m pytest -m hypothesis --hypothesis-profile=fuzz -q -p no:cacheprovider $(ARGS)

## bench: requests per page, overhead over the floor, growth, cold start, ingest throughput, page weight (docs/performance.md)
bench: $(STAMP)
	$(BIN)/python bench/run.py

## bench-scale: a breaking-news day at 100M views a month, simulated in front of our real invalidation code (ARGS="--no-shield ...")
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py $(ARGS)

## bench-send: a newsletter to 1,000,000 subscribers at SES's rate: a sample on the real sender over moto, modelled beyond, and a chaos run (ARGS="--rate 200")
bench-send: $(STAMP)
	$(BIN)/python bench/send.py $(ARGS)

## bench-files: the worst case of one uploaded file: pathological shapes at 10 KB, 100 KB and 1 MB through check and render
bench-files: $(STAMP)
	$(BIN)/python bench/pathological.py

## bench-pages: Lighthouse 12.2.3 scores for home, category, article and search (needs node/npm)
bench-pages: $(STAMP) system-deps bench/node_modules/.bin/lighthouse
	$(BIN)/python bench/pages.py

## bench-peer: our site and WordPress 6.1 (../shared/peers/wordpress) on the same content, side by side (docs/performance.md)
bench-peer: $(STAMP) system-deps bench/node_modules/.bin/lighthouse
	$(BIN)/python bench/peer.py

bench/node_modules/.bin/lighthouse: bench/package.json
	cd bench && npm install --no-audit --no-fund --loglevel=error

## record-wordpress-urls: ask WordPress itself (the peer) every URL of each corpus export, for the parity tests
WP_PEER ?= ../shared/peers/wordpress
WP_EXPORTS ?= tests/data/themeunittestdata.wordpress.xml $(wildcard tests/data/wordpress-importer/*.xml) \
  $(wildcard tests/data/generated-exports/*.xml)
record-wordpress-urls: $(STAMP)
	bash $(WP_PEER)/setup.sh --no-seed
	@for export in $(WP_EXPORTS); do \
	  name=$$(basename $$export .xml | sed 's/[.]wordpress$$//'); \
	  if bash $(WP_PEER)/import.sh --fresh $$export; then \
	    $(BIN)/python -m devstack.parity record $$export tests/data/wordpress-answers/$$name.json \
	      || echo "$$name: not recorded (an export our importer refuses: see test_wordpress_corpus.REFUSED)"; \
	  else echo "$$name: WordPress's importer refuses this export; nothing recorded"; fi; \
	done

## vendor-desk: fetch the desk's pinned npm packages again and bundle the body editor (templates/desk/vendor/, committed with their licenses)
MARKDOWN_TOOLBAR ?= @github/markdown-toolbar-element@2.2.3
vendor-desk: $(STAMP) desk-editor/node_modules/.package-lock.json
	rm -rf /tmp/desk-vendor && mkdir -p /tmp/desk-vendor && cd /tmp/desk-vendor && npm pack --silent $(MARKDOWN_TOOLBAR) \
	  && tar xzf *.tgz
	cp /tmp/desk-vendor/package/dist/index.js /tmp/desk-vendor/package/LICENSE /tmp/desk-vendor/package/package.json \
	  templates/desk/vendor/markdown-toolbar-element/
	$(BIN)/python desk-editor/write_facts.py
	cd desk-editor && node build.mjs

## check: validate the sample content with the editors' checker
check: $(STAMP)
	$(BIN)/newsroom check content

## resync: make the local site (make run, in another terminal) match its bucket exactly
resync: $(STAMP)
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
	  $(BIN)/newsroom resync --endpoint-url http://127.0.0.1:$(MOTO_PORT)

## package: build the deployable stack (template + deployment.zip) for STAGE (dev or prod) into build/STAGE/
STAGE ?= dev
package: $(STAMP)
	rm -rf build/$(STAGE)
	$(BIN)/python -m devstack.package --stage $(STAGE) build/$(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.yaml

## deploy: package, upload and deploy STAGE to the AWS account in your credentials (docs/deploy.md)
deploy: package
	@test -n "$(ARTIFACT_BUCKET)" || { echo "set ARTIFACT_BUCKET=<an S3 bucket for deployment packages> (docs/deploy.md)"; exit 2; }
	$(BIN)/aws cloudformation package --template-file build/$(STAGE)/sam.yaml \
	  --s3-bucket $(ARTIFACT_BUCKET) --output-template-file build/$(STAGE)/packaged.yaml
	$(BIN)/aws cloudformation deploy --template-file build/$(STAGE)/packaged.yaml \
	  --stack-name $(or $(STACK_NAME),newsroom-$(STAGE)) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
	  --parameter-overrides Stage=$(STAGE) $(PARAMETERS)

## clean: remove the virtualenv, build output and test caches
clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
