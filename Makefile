# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the site needs: gettext compiles the translations; to render PDFs, Pango for
# WeasyPrint, HarfBuzz's subsetter (without it a one-page PDF takes 8 s instead of 0.2 s) and the
# Noto fonts for Latin, Arabic and Chinese.
SITE_DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk \
  gettext
# Debian packages pip needs to build PyICU, which PyPI has only as source: ICU's headers (and with
# them the ICU library it links to), pkg-config to find them, a C++ compiler and Python's headers.
BUILD_DEBIAN_PACKAGES := libicu-dev pkg-config g++ python3-dev
# Debian packages the test suite needs: the browser that the end-to-end tests drive, Java for the
# Nu HTML checker (npm vnu-jar) that validates every public page, qpdf to check the structure of
# the declaration PDF, PostgreSQL's pg_dump and pg_restore for the restore drill
# (tests/test_backups.py) and backups, nginx and its brotli module (tests/test_nginx.py runs
# deploy/nginx/declaration.conf), and the above.
TEST_DEBIAN_PACKAGES := chromium default-jre-headless qpdf postgresql-client nginx \
  libnginx-mod-http-brotli-filter $(SITE_DEBIAN_PACKAGES)
# `make run` works as production does, on this machine: the address in emails, PDFs and QR codes
# is the one it serves (unless SITE_URL says otherwise), and a task worker sends the emails and
# renders the PDFs from the queue in the database, outside the requests. Without
# PDF_SIGNING_PKCS12, it signs PDFs with a self-signed key it creates in .signing/.
run: export DEBUG ?= 1
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: export TASKS_BACKEND ?= django_tasks_db.DatabaseBackend
run: export PDF_SIGNING_PKCS12 ?= .signing/development.p12
run: export PDF_SIGNING_PASSPHRASE ?= development

.PHONY: run test lint format setup messages debian-packages site-debian-packages clean

# Install Debian packages that are missing, with sudo when not root; say clearly what failed.
define ensure_debian_packages
	@missing=""; for package in $(1); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  { $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq$$missing; } \
	  || { echo "Could not install the Debian packages:$$missing." >&2; \
	       echo "Install them with 'sudo apt-get install$$missing' and run make again." >&2; exit 1; }; \
	fi
endef

# The signing key comes first: loading the declaration publishes it, which renders its PDF.
# A draft open for public consultation is seeded beside it, so the site shows one from the start.
# The task worker runs beside the web server; Ctrl-C stops both.
run: setup site-debian-packages messages node_modules/.installed
	@[ -f "$$PDF_SIGNING_PKCS12" ] || $(BIN)/python manage.py create_signing_key
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_declaration
	$(BIN)/python manage.py seed_consultation
	$(BIN)/python manage.py render_pdfs
	@echo "Serving $$SITE_URL/ with a task worker; Ctrl-C stops both."
	@trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	  $(BIN)/python manage.py db_worker & worker=$$!; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite runs in as many processes as the machine has CPUs (pytest-xdist), each with a test
# database of its own; a module that starts servers once for all its tests runs in one process
# (its xdist_group). The tests that time real server processes (scale_out) run afterwards,
# alone, so that the other tests do not slow their servers. TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
test: setup debian-packages messages node_modules/.installed
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not scale_out" $(PYTEST_ARGS)
	$(BIN)/pytest -m scale_out $(PYTEST_ARGS) || [ $$? = 5 ]  # 5: PYTEST_ARGS chose none of them

# Whole stories on the site as deployed (tests/journeys): gunicorn with DEBUG off, Redis
# (JOURNEYS_REDIS_URL, default redis://127.0.0.1:6379/14, emptied), a task worker and chromium,
# on PostgreSQL as in CI (DATABASE_URL; the site gets a database of its own beside the tests').
# Screenshots of each step go to JOURNEYS_ARTIFACTS.
JOURNEYS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
JOURNEYS_ARTIFACTS ?= journeys-artifacts
.PHONY: journeys
journeys: setup debian-packages messages node_modules/.installed
	DATABASE_URL=$${DATABASE_URL:-$(JOURNEYS_DATABASE_URL)} JOURNEYS_ARTIFACTS=$(JOURNEYS_ARTIFACTS) \
	  $(BIN)/pytest tests/journeys -m journeys -v $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.installed

# The interface's translations: .po files are in git, the compiled .mo files are built here.
messages: setup site-debian-packages
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v0

# The virtual environment holds exactly what uv.lock pins (with hashes): the site's dependencies
# and the test suite's (the `dev` extra). uv itself comes first, by pip, at the version the lock
# pins; `uv sync --locked` refuses a lock that no longer matches pyproject.toml (`make lock`).
UV_VERSION := $(shell sed -n 's/^ *"uv==\([0-9.]*\)".*/\1/p' pyproject.toml)
export UV_PYTHON_DOWNLOADS := never
$(VENV)/.installed: pyproject.toml uv.lock
	$(call ensure_debian_packages,$(BUILD_DEBIAN_PACKAGES))
	@[ -x $(BIN)/uv ] || { \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    echo "python3 -m venv failed; installing Debian's python3-venv."; \
	    rm -rf $(VENV); $(MAKE) --no-print-directory debian-venv && $(PYTHON) -m venv $(VENV); }; \
	  $(BIN)/python -m pip install --quiet uv==$(UV_VERSION); }
	$(BIN)/uv sync --locked --extra dev --python $(PYTHON) --quiet
	@touch $@

# After a change of pyproject.toml's dependencies: pin them again (only what changed moves).
# `.venv/bin/uv lock --upgrade-package django` moves one package to its newest allowed release.
.PHONY: lock
lock: setup
	$(BIN)/uv lock --python $(PYTHON)

# The world map's shapes (world-atlas, which the site reads at run time) and the test suite's
# checkers (axe-core, vnu-jar), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory debian-npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: debian-npm
debian-npm:
	$(call ensure_debian_packages,npm)

.PHONY: debian-venv
debian-venv:
	$(call ensure_debian_packages,python3-venv)

debian-packages:
	$(call ensure_debian_packages,$(TEST_DEBIAN_PACKAGES))

site-debian-packages:
	$(call ensure_debian_packages,$(SITE_DEBIAN_PACKAGES))

# The read benchmark (bench/reads.py) drives gunicorn with Debian's wrk; CI does not run it.
# Its options in BENCH_ARGS, e.g. BENCH_ARGS="--reuse --cache redis://127.0.0.1:6379/1".
.PHONY: bench-reads
bench-reads: setup site-debian-packages
	$(call ensure_debian_packages,wrk)
	$(BIN)/python bench/reads.py $(BENCH_ARGS)

# Reads through nginx (deploy/nginx/declaration.conf) against gunicorn alone (bench/nginx.py),
# with Debian's nginx, its brotli module and wrk; CI does not run it.
.PHONY: bench-nginx
bench-nginx: setup site-debian-packages
	$(call ensure_debian_packages,nginx libnginx-mod-http-brotli-filter wrk)
	$(BIN)/python bench/nginx.py $(BENCH_ARGS)

# The write benchmark (bench/writes.py) drives gunicorn with locust (a dev dependency); add
# --restart-postgres, --mail-outage or --stop-redis for the fault runs. CI does not run it.
.PHONY: bench-writes
bench-writes: setup site-debian-packages
	$(BIN)/python bench/writes.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles *.egg-info journeys-artifacts
