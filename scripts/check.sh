#!/usr/bin/env bash
# The static checks CI runs beside the tests (settings in pyproject.toml): lint, formatting, types.
# Every check runs; the exit status is non-zero if any failed.
cd "$(dirname "$0")/.."
failed=0
.venv/bin/ruff check . || failed=1
.venv/bin/ruff format --check . || failed=1
.venv/bin/mypy || failed=1
exit "$failed"
