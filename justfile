# Dorado task runner. `./bootstrap.sh <job>` sets up .venv first and then calls these.
set shell := ["bash", "-euo", "pipefail", "-c"]
set export

venv := justfile_directory() / ".venv/bin"
PATH := venv + ":" + env_var("PATH")

# list the jobs
default:
    @just --list

# install the locked environment into .venv
setup:
    ./bootstrap.sh setup

# the main job on the embedded default: SQLite store, simulated market, no broker, no network
demo:
    dorado init
    dorado data simulate --years 3 --seed 7
    dorado regime train
    dorado regime publish
    dorado scan
    dorado approve
    dorado replay --from 2026-07-01 --to 2026-09-30
    dorado status

# lint, type-check, import contracts, then the whole test suite
test: lint
    pytest -n 2 --timeout 600 -p no:cacheprovider

# ruff, mypy (strict on the pure core), import-linter contracts
lint:
    ruff check dorado_tui commands tests benchmarks
    mypy dorado_tui/domain dorado_tui/quant dorado_tui/risk
    lint-imports

# speed and memory benchmarks (figures with their input sizes)
bench:
    python -m benchmarks

# the operator console
tui:
    dorado tui

# re-record the TUI snapshots after a reviewed change
snap-update:
    pytest tests/tui --snapshot-update -p no:cacheprovider

# long randomized crash-safety runs
soak:
    DORADO_SOAK=1 pytest tests/integration -k crash -p no:cacheprovider
