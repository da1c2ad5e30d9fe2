# lineage: every command CI runs lives here. `make test` and `make demo` work on a fresh machine
# with nothing but Python: the targets below create the virtual environments they need.

PYTHON ?= python3
MLMD_PYTHON ?= python3.11
VENV := .venv
MLMD_VENV := .venv-mlmd
BIN := $(VENV)/bin
MLMD_BIN := $(MLMD_VENV)/bin
FW_VENV := .venv-frameworks
FW_BIN := $(FW_VENV)/bin
COMPAT_VENV := .venv-compat
COMPAT_BIN := $(COMPAT_VENV)/bin
# Google's ml-metadata 1.17.1 wheel, downloaded (never installed) for its own test file.
MLMD_WHEEL_DIR := $(COMPAT_VENV)/ml-metadata-wheel
PIP_FLAGS := --disable-pip-version-check --quiet

# Database servers used by the MySQL/MariaDB and PostgreSQL tests (override from the environment).
# The MySQL suite runs on mysqlclient; tests/store/test_mysql_drivers.py covers PyMySQL as well.
export LINEAGE_TEST_MYSQL_URL ?= mysql+mysqldb://root@127.0.0.1:3306/test
export LINEAGE_TEST_POSTGRESQL_URL ?= postgresql+psycopg://root@127.0.0.1:5432/test

PYTEST_FLAGS ?= -q
DEMO_DB ?= demo-out/demo.db

.PHONY: help setup graphviz git-lfs chromium ui-assets mysql-headers lint format typecheck test test-unit test-integrations test-compat \
        test-mlmd-suite test-ml-metadata-compat protos check-protos dump-schemas demo stress bench clean

help:
	@echo "make setup        create .venv and .venv-mlmd, install Graphviz and the MariaDB client"
	@echo "                  headers (to build mysqlclient) when missing"
	@echo "make test         lint, type-check, unit + database + integration + ml-metadata compatibility tests"
	@echo "make demo         record a small pipeline into demo-out/demo.db, query it, render it"
	@echo "make protos       regenerate lineage/proto/_generated from schemas/*.proto"
	@echo "make dump-schemas regenerate schemas/sql/*.sql from a fresh database per dialect"
	@echo "make bench        a quick pass over the benchmarks under bench/ (see bench/README.md)"
	@echo "make stress       the long concurrency / crash / scale runs"

# mysqlclient (the C MySQL driver, preferred over PyMySQL when installed) builds from source.
$(BIN)/.installed: pyproject.toml | mysql-headers
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev,mysql,mysqlclient,postgresql,notebook,server,ui,openlineage]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

# ml-metadata 1.17.1 ships only a CPython 3.11 wheel and pins protobuf<5: it gets its own venv,
# with lineage installed next to it so both packages share one process and one descriptor pool.
$(MLMD_BIN)/.installed: pyproject.toml | mysql-headers
	@test -x $(MLMD_BIN)/python || $(MLMD_PYTHON) -m venv $(MLMD_VENV)
	$(MLMD_BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(MLMD_BIN)/python -m pip install $(PIP_FLAGS) 'ml-metadata==1.17.1' 'absl-py<2' \
		'pytest==9.2.0' 'hypothesis==6.170.17' 'grpcio-health-checking==1.62.3' \
		'grpcio-reflection==1.62.3' -e '.[mysql,mysqlclient,postgresql,server,openlineage]'
	@touch $@

# The integrations' frameworks (torch CPU, Lightning, Transformers, Keras, XGBoost, LightGBM,
# scikit-learn, TensorBoard, DVC, deltalake, datasets, Jupyter) as tests/integrations pins them:
# their own venv, so the main one stays light and their pins never fight the dev pins.
$(FW_BIN)/.installed: pyproject.toml tests/integrations/requirements.txt | mysql-headers
	@test -x $(FW_BIN)/python || $(MLMD_PYTHON) -m venv $(FW_VENV)
	$(FW_BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(FW_BIN)/python -m pip install $(PIP_FLAGS) -r tests/integrations/requirements.txt \
		-e '.[notebook]'
	$(FW_BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

# lineage's ml_metadata package (compat/ml-metadata) in place of Google's, with protobuf 6,
# TensorFlow and TFX 1.21 (ml-pipelines-sdk and tfx, both --no-deps: their ml-metadata>=1.21 pin
# names Google's distribution, which has no protobuf 6 wheel here; docs/ml-metadata-compat.md).
$(COMPAT_BIN)/.installed: pyproject.toml compat/ml-metadata/pyproject.toml tests/tfx/requirements.txt | mysql-headers
	@test -x $(COMPAT_BIN)/python || $(MLMD_PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(COMPAT_BIN)/python -m pip install $(PIP_FLAGS) -r tests/tfx/requirements.txt \
		-e '.[server,mysql,mysqlclient,postgresql]' -e 'compat/ml-metadata[grpc]'
	$(COMPAT_BIN)/python -m pip install $(PIP_FLAGS) --no-deps 'ml-pipelines-sdk==1.21.0' 'tfx==1.21.0'
	$(COMPAT_BIN)/python -m pip download $(PIP_FLAGS) --no-deps --only-binary=:all: \
		--python-version 3.11 --platform manylinux2014_x86_64 -d $(MLMD_WHEEL_DIR) 'ml-metadata==1.17.1'
	@touch $@

# Git LFS, for the Git LFS integration's tests (a real repository with LFS objects).
git-lfs:
	@command -v git-lfs >/dev/null 2>&1 || { \
		echo "installing Git LFS"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq git-lfs >/dev/null; }

graphviz:
	@command -v dot >/dev/null 2>&1 || { \
		echo "installing Graphviz (dot)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz >/dev/null; }

# What building mysqlclient needs: the client library's headers (found through pkg-config or
# mariadb_config / mysql_config) and a C compiler.
mysql-headers:
	@{ command -v mariadb_config || command -v mysql_config; } >/dev/null 2>&1 && \
	command -v pkg-config >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 || { \
		echo "installing the MariaDB client headers, pkg-config and gcc (to build mysqlclient)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			libmariadb-dev pkg-config gcc >/dev/null; }

setup: $(BIN)/.installed $(MLMD_BIN)/.installed $(FW_BIN)/.installed $(COMPAT_BIN)/.installed graphviz git-lfs ui-assets chromium

# The web app's browser libraries, from the npm registry as package-lock.json pins them, copied
# into the package with their versions in their names (served offline, shipped in the wheel).
UI_FRONTEND := lineage/web/frontend
UI_VENDOR := lineage/web/static/vendor
$(UI_VENDOR)/.installed: $(UI_FRONTEND)/package.json $(UI_FRONTEND)/package-lock.json
	npm ci --prefix $(UI_FRONTEND) --no-audit --no-fund --silent
	$(BIN)/python scripts/vendor_ui_assets.py
	@touch $@

ui-assets: $(BIN)/.installed $(UI_VENDOR)/.installed

# Debian's Chromium, for the browser tests of the web app (Playwright drives it; it never
# downloads a browser of its own).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Chromium (for the web app's browser tests)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(BIN)/.installed
	$(BIN)/ruff check lineage tests scripts bench compat
	$(BIN)/ruff format --check lineage tests scripts bench compat

format: $(BIN)/.installed
	$(BIN)/ruff format lineage tests scripts bench compat
	$(BIN)/ruff check --fix lineage tests scripts bench compat

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# Unit, SQLite, MariaDB and PostgreSQL tests on the newest protobuf (no ml-metadata installed).
test-unit: $(BIN)/.installed graphviz ui-assets chromium
	$(BIN)/python -m pytest $(PYTEST_FLAGS) -m "not compat and not slow" --ignore=tests/compat \
		--ignore=tests/integrations --ignore=tests/tfx --doctest-modules tests lineage

# Every integration against its real framework, tool or package (see tests/integrations).
test-integrations: $(FW_BIN)/.installed git-lfs graphviz
	$(FW_BIN)/python -m pytest $(PYTEST_FLAGS) -p no:cacheprovider tests/integrations

# The compatibility tests need the real ml-metadata (protobuf 4.25) in the same process.
test-compat: $(MLMD_BIN)/.installed
	$(MLMD_BIN)/python -m pytest $(PYTEST_FLAGS) -m compat -p no:cacheprovider tests/compat

# ml-metadata's own test file, unmodified, against lineage.MetadataStore on all three backends,
# then through ml-metadata's own gRPC client against `lineage serve` on each backend, and through
# lineage's remote store (grpc://) as the client.
test-mlmd-suite: $(MLMD_BIN)/.installed
	$(MLMD_BIN)/python scripts/run_mlmd_suite.py --backend sqlite
	$(MLMD_BIN)/python scripts/run_mlmd_suite.py --backend mysql
	$(MLMD_BIN)/python scripts/run_mlmd_suite.py --backend postgresql
	$(MLMD_BIN)/python scripts/run_mlmd_suite_grpc.py --backend sqlite
	$(MLMD_BIN)/python scripts/run_mlmd_suite_grpc.py --backend mysql
	$(MLMD_BIN)/python scripts/run_mlmd_suite_grpc.py --backend postgresql
	$(MLMD_BIN)/python scripts/run_mlmd_suite_grpc.py --backend sqlite --client lineage
	$(MLMD_BIN)/python scripts/run_mlmd_suite_grpc.py --backend mysql --client lineage
	$(MLMD_BIN)/python scripts/run_mlmd_suite_grpc.py --backend postgresql --client lineage

# lineage's ml_metadata package (compat/ml-metadata), with no Google ml-metadata installed: TFX
# 1.21's own MLMD-layer tests, a TFX pipeline through its MLMD layer (on a SQLite file and
# through `lineage serve`) that ml-metadata 1.17.1 then reads identically, the package's own
# tests, and ml-metadata 1.17.1's suite with `import ml_metadata` giving this package.
test-ml-metadata-compat: $(COMPAT_BIN)/.installed $(MLMD_BIN)/.installed
	$(COMPAT_BIN)/python scripts/run_tfx_mlmd_tests.py
	$(COMPAT_BIN)/python -m pytest $(PYTEST_FLAGS) -p no:cacheprovider tests/tfx
	$(COMPAT_BIN)/python scripts/run_mlmd_suite.py --backend sqlite --wheel $(MLMD_WHEEL_DIR)/ml_metadata-1.17.1-*.whl
	$(COMPAT_BIN)/python scripts/run_mlmd_suite.py --backend mysql --wheel $(MLMD_WHEEL_DIR)/ml_metadata-1.17.1-*.whl
	$(COMPAT_BIN)/python scripts/run_mlmd_suite.py --backend postgresql --wheel $(MLMD_WHEEL_DIR)/ml_metadata-1.17.1-*.whl
	$(COMPAT_BIN)/python scripts/run_mlmd_suite_grpc.py --backend sqlite --wheel $(MLMD_WHEEL_DIR)/ml_metadata-1.17.1-*.whl

test: lint typecheck check-protos test-unit test-integrations test-compat test-mlmd-suite test-ml-metadata-compat

protos: $(BIN)/.installed
	$(BIN)/python scripts/gen_protos.py

check-protos: $(BIN)/.installed
	$(BIN)/python scripts/gen_protos.py --check

dump-schemas: $(BIN)/.installed
	$(BIN)/python scripts/dump_schemas.py

demo: $(BIN)/.installed graphviz ui-assets
	$(BIN)/python -m lineage.demo --db $(DEMO_DB)

stress: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_FLAGS) -m slow tests

# A quick pass over every benchmark (small sizes; nothing written). Full runs that regenerate
# bench/README.md are listed there.
bench: $(BIN)/.installed $(MLMD_BIN)/.installed $(FW_BIN)/.installed graphviz git-lfs ui-assets chromium
	$(BIN)/python bench/track_overhead.py --runs 10 --skip-hash
	$(BIN)/python bench/render_bench.py --sizes 100 1000 --reps 1
	$(MLMD_BIN)/python bench/lineage_bench.py --quick
	$(MLMD_BIN)/python bench/ingest_bench.py --quick
	$(MLMD_BIN)/python bench/sql_floor.py -n 2000 --reps 3
	$(MLMD_BIN)/python bench/mysql_drivers.py
	$(MLMD_BIN)/python bench/server_bench.py --quick
	$(BIN)/python bench/layout_bench.py
	$(BIN)/python bench/ui_bench.py --sqlite 20000 --mysql 0 --reps 5
	$(BIN)/python bench/openlineage_bench.py --quick
	$(FW_BIN)/python bench/integrations_bench.py --quick

clean:
	rm -rf $(VENV) $(MLMD_VENV) $(FW_VENV) $(UI_FRONTEND)/node_modules $(UI_VENDOR) .pytest_cache .mypy_cache .ruff_cache .hypothesis demo-out
