# Two commands for a newcomer: `make demo` (set up and serve the demo cafe on SQLite)
# and `make test` (set up and run lint, types and the whole suite on SQLite and PostgreSQL).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install bytecode fonts demo test check pytest services bench bench-quick bench-backup \
	bench-passthrough bench-tablet bench-ho-reports bench-headoffice bench-headoffice-quick clean \
	translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# An editable install leaves our own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is
# set every start compiles them again (an eighth of `serve`'s start-up, measured): compile
# them as a wheel install does. Only what changed since is compiled again.
bytecode: install
	$(BIN)/python -m compileall -q pos_plugin

# Receipt notes draw CJK text and emoji in Debian's fonts-noto-cjk and fonts-symbola:
# install them where they are missing.
fonts:
	@bash .ci/fonts

demo: install bytecode fonts
	$(BIN)/pos-plugin demo

test: check pytest

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# pytest exits 5 when it collects nothing; say so instead of failing obscurely. Four workers on
# two cores: a quarter of the suite's time is waiting (servers starting, Chromium, sockets), so
# four keep both cores busy (5:17 against 5:56 with two, measured on a quiet machine).
pytest: install services bytecode
	@$(BIN)/pytest -n 4 --dist worksteal $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

# The tests use the PostgreSQL on 127.0.0.1:5432 when there is one; start it if it stopped.
# The SFTP tests start their own OpenSSH server: install openssh-server where it is missing.
# The browser tests drive the system Chromium: install chromium where it is missing.
# Head office's database tests also run on a Citus cluster: build Citus from ../shared/citus.
services: fonts
	@bash .ci/services
	@bash .ci/citus
	@bash .ci/sshd
	@bash .ci/chromium

# The tap as a store feels it (benchmarks/README.md): a rush, closed loop, RSS and start-up,
# each beside a bare Flask insert measured in the same run.
bench: install services bytecode
	cd benchmarks && ../$(BIN)/python bench.py

# The same machinery on a tiny plan: proves the benchmark still runs (CI); its figures mean little.
bench-quick: install services bytecode
	cd benchmarks && ../$(BIN)/python bench.py --quick

# `pos-plugin backup` on a store of 100,000 comps, beside the same work done bare (about 1 min).
bench-backup: install bytecode
	cd benchmarks && ../$(BIN)/python backup.py

# The latency the receipt pass-through adds to a till's receipt, beside a direct print (~10 s).
bench-passthrough: install bytecode
	cd benchmarks && ../$(BIN)/python passthrough.py

# The tap on the tablet as Chromium shows it: to the toast and to the meter, beside the page's
# own POST + GET (benchmarks/README.md).
bench-tablet: install services bytecode
	cd benchmarks && ../$(BIN)/python tablet.py

# Head office's overview page on 500 stores x 30 days (2.25 M comps) in a throwaway schema of
# the PostgreSQL on 127.0.0.1:5432, beside a bare count/sum (about 3 minutes). HO_DB=URL of a
# Citus coordinator measures the same on a cluster.
HO_DB ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench-ho-reports: install services bytecode
	$(BIN)/python benchmarks/ho_reports.py --db $(HO_DB)

# Head office at chain scale (benchmarks/README.md): ingest against plain COPY, 4 processes
# against 1, the RSS of a 300,000-comp set, the overview page against a bare count/sum.
# BENCH_ARGS="--also URL" runs it on a second database too, printed beside (minutes).
bench-headoffice: install services bytecode
	cd benchmarks && ../$(BIN)/python headoffice.py $(BENCH_ARGS)

bench-headoffice-quick: install services bytecode
	cd benchmarks && ../$(BIN)/python headoffice.py --quick $(BENCH_ARGS)

# Every word a person reads (babel.cfg): extract it, merge it into each language's catalogue
# (fill the new msgstr in each .po, then run this again), and compile the catalogues.
I18N_SOURCES := pos_plugin/web pos_plugin/checks pos_plugin/services pos_plugin/api \
	pos_plugin/printing pos_plugin/webhooks pos_plugin/sync pos_plugin/labels.py \
	pos_plugin/problems.py pos_plugin/caller.py pos_plugin/text.py pos_plugin/json_bodies.py
I18N_DIR := pos_plugin/web/translations
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k _ln:1,2 --no-location --sort-output \
		-o $(I18N_DIR)/messages.pot $(I18N_SOURCES)
	$(BIN)/pybabel -q update -i $(I18N_DIR)/messages.pot -d $(I18N_DIR) --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d $(I18N_DIR)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
