# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the test suite needs: the browser that the end-to-end tests drive.
TEST_DEBIAN_PACKAGES := chromium

.PHONY: run test lint format setup debian-packages clean

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

run: setup
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_declaration
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup debian-packages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv."; \
	  rm -rf $(VENV); $(MAKE) --no-print-directory debian-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

.PHONY: debian-venv
debian-venv:
	$(call ensure_debian_packages,python3-venv)

debian-packages:
	$(call ensure_debian_packages,$(TEST_DEBIAN_PACKAGES))

clean:
	rm -rf $(VENV) staticfiles *.egg-info
