#!/usr/bin/env bash
# Install what the tests need, check the code, then run the tests. As root, the tests run in a fresh network
# namespace holding only loopback, so no test can send a packet anywhere but 127.0.0.1 / ::1.
#   scripts/test.sh          the static checks, then every layer: tests/unit, api, media, e2e (what CI runs)
#   scripts/test.sh --fast   the static checks, then tests/unit and tests/api: no model, no server process
# Extra arguments go to pytest, e.g. scripts/test.sh --fast -k report
set -euo pipefail
cd "$(dirname "$0")/.."
layers=(tests)
if [ "${1:-}" = "--fast" ]; then
    shift
    layers=(tests/unit tests/api)
fi
for arg in "$@"; do
    case "$arg" in tests/*) layers=() ;; esac  # paths given: run those only
done
bash scripts/setup.sh --test
# The static checks first; the tests run whatever they say, and the run fails if either failed.
checks=0
bash scripts/check.sh || checks=$?
tests=0
if [ "$(id -u)" = 0 ] && [ -z "${INTERVIEW_NETNS:-}" ]; then
    unshare --net -- env INTERVIEW_NETNS=1 bash -c 'ip link set lo up && exec .venv/bin/python -m pytest "$@"' \
        pytest ${layers[@]+"${layers[@]}"} "$@" || tests=$?
else
    .venv/bin/python -m pytest ${layers[@]+"${layers[@]}"} "$@" || tests=$?
fi
[ "$checks" = 0 ] || echo "static checks failed (scripts/check.sh)" >&2
[ "$tests" != 0 ] && exit "$tests"
exit "$checks"
