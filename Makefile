# Halqa — `make run` starts the site with demo data; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT

.PHONY: run test setup install assets migrate demo lint format messages lock clean bench

run: setup demo
	$(BIN)/python scripts/serve.py

setup: install assets migrate

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end packages: apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py load_demo

test: install assets
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Key pages against a bare-Django ceiling at 1× and 100× data (bench/README.md); not part of `make test`.
# SQLite by default; `make bench DATABASE_URL=postgres://user:pass@host/halqa_bench` for PostgreSQL.
bench: install assets
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.similar

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Needs GNU gettext (apt-get install gettext). The compiled .mo files are committed.
messages:
	cd halqa && ../$(BIN)/python ../manage.py makemessages -l ar -l fa -l ru -l en --no-obsolete --add-location file
	cd halqa && ../$(BIN)/python ../manage.py compilemessages

lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf var node_modules $(VENV)
