#!/usr/bin/env bash
# The long fuzz profile: 10,000 examples for each property of tests/test_fuzz.py
# (the test suite runs 75). Prints pytest's result line and how long it took.
#   benchmarks/fuzz.sh              # from the repository, with .venv set up
#   PYTHON=python3 benchmarks/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
CLEANART_FUZZ_PROFILE=long exec "$PYTHON" -m pytest -q -p no:cacheprovider tests/test_fuzz.py "$@"
