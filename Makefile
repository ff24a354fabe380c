# make run: install into .venv and serve the shipped content on http://127.0.0.1:$(PORT)
# make test: install (Python and system packages), run every test (tests/test_package.py builds the
#   wheel and serves and exports from a new virtual environment it is installed in), then make lint
# make lint: ruff check, ruff format --check and mypy --strict
# Debian's python3 where it can make a virtual environment (python3-venv): Debian builds it with
# profile-guided and link-time optimisation and links libpython into the executable, and the
# benchmarks ran about 10% faster on it than on a plain build (pyenv's); python3 on PATH otherwise.
# PYTHON=... chooses another.
PYTHON ?= $(shell /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
APT_PACKAGES := gettext chromium chromium-driver npm fonts-droid-fallback nginx

.PHONY: install build-deps run test system-deps lint bench bench-update clean

install: build-deps $(VENV)/.installed

# PyICU compiles against ICU: Debian's libicu-dev, found through pkg-config, with g++, and
# against Python's headers (Debian's python3-dev, for Debian's python3)
build-deps:
	@missing=""; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v g++ >/dev/null || missing="$$missing g++"; \
	pkg-config --exists icu-i18n 2>/dev/null || missing="$$missing libicu-dev"; \
	[ "$(PYTHON)" != /usr/bin/python3 ] \
	  || [ -e "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] \
	  || missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# service/__init__.py holds the version, which the installed metadata carries
$(VENV)/.installed: pyproject.toml service/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: install
	$(BIN)/clinic-l10n serve --host $(HOST) --port $(PORT)

# GNU gettext (msgfmt, msgcat and msgmerge judge our catalogs; it brings libunistring, which our
# writer asks where lines break, as gettext does), Chromium (judges our HTML) and chromium-driver
# (Selenium drives the review workspace through it: no browser download) come from Debian, and so do
# npm (it installs axe-core, which judges the pages' accessibility, from tests/axe/package-lock.json),
# a font with Chinese glyphs (Droid Sans Fallback: the zh-Hans pages are laid out and shot in it)
# and nginx, the web server the export test serves an export with (in /usr/sbin, often off PATH).
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-droid-fallback"; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# axe-core, at the version tests/axe/package-lock.json pins
tests/axe/node_modules/.package-lock.json: tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error

# node-oidc-provider, the OpenID provider tests/test_sso.py signs in against, at the version
# tests/oidc/package-lock.json pins
tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error

test: install system-deps tests/axe/node_modules/.package-lock.json tests/oidc/node_modules/.package-lock.json
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory lint

lint: install
	$(BIN)/ruff check service tests benchmarks
	$(BIN)/ruff format --check service tests benchmarks
	$(BIN)/mypy

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && SUDO= || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python benchmarks/serve.py

# 1,000 generated pages × 6 locales: `update` against one msgmerge per catalog, in the same run.
bench-update: install system-deps
	$(BIN)/python benchmarks/update.py --pages 1000

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache export tests/axe/node_modules tests/oidc/node_modules
	find locales -name '*.mo' -delete
