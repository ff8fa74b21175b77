#!/usr/bin/env bash
# Install what the tests need, then run them. As root, the whole run happens in a fresh network namespace
# holding only loopback, so no test can send a packet anywhere but 127.0.0.1 / ::1.
# Extra arguments go to pytest, e.g. scripts/test.sh -k report
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if [ "$(id -u)" = 0 ] && [ -z "${INTERVIEW_NETNS:-}" ]; then
    exec unshare --net -- env INTERVIEW_NETNS=1 bash -c 'ip link set lo up && exec .venv/bin/python -m pytest "$@"' pytest "$@"
fi
exec .venv/bin/python -m pytest "$@"
