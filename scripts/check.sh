#!/usr/bin/env bash
# The static checks CI runs before the tests: lint, formatting, types (settings in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
