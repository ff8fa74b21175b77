#!/usr/bin/env bash
# Install what is missing, then run the server on its embedded defaults (SQLite in ./data, no Redis).
# Extra arguments go to run.py, e.g. scripts/serve.sh --port 9000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python run.py "$@"
