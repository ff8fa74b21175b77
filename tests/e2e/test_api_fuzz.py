"""The whole API fuzzed from server/openapi.json with schemathesis, against a real server on 127.0.0.1.

Bounded: at most MAX_EXAMPLES generated requests per operation and a time budget for the run. Loopback only:
the server listens on 127.0.0.1, and the operations that would make it send traffic elsewhere (webhook
subscriptions, whose deliveries go to the generated URL) are left out. What must hold for every answer: no 5xx,
and every error is JSON with an "error" message. The run prints how many requests it sent.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.support.server_process import ADMIN_TOKEN, ROOT, RunningServer, start_server, stop_server

MAX_EXAMPLES = 15
BUDGET_S = 240.0
# Deliveries would go to whatever URL was generated: never outside loopback from a test.
SKIPPED = {("POST", "/api/webhooks"), ("POST", "/api/webhooks/deliveries/{delivery_id}/retry")}


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # Every generated bad request would count as a failed sign-in: the throttle (tested on its own) is raised
    # so the run reaches the handlers rather than answering 429 after the first ten.
    flags = ("--no-transcript", "--asr-processes", "1", "--auth-failures-per-minute", "1000000")
    running = start_server(tmp_path_factory.mktemp("fuzz") / "data", *flags)
    yield running
    stop_server(running)
    assert "Traceback" not in running.log(), running.log()


def test_fuzzing_the_whole_api_finds_no_5xx_and_only_json_errors(fuzz_server: RunningServer) -> None:
    schema = schemathesis.openapi.from_path(ROOT / "server" / "openapi.json")
    http = requests.Session()
    sent: Counter[int] = Counter()
    problems: list[str] = []
    started = time.monotonic()
    operations = 0

    def check(case: schemathesis.Case) -> None:
        if time.monotonic() - started > BUDGET_S:
            return
        response = case.call(
            base_url=fuzz_server.base_url, session=http, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        )
        sent[response.status_code] += 1
        where = f"{case.method} {case.formatted_path} -> {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.text[:200]}")
        elif response.status_code >= 400:
            try:
                body = json.loads(response.content)
            except ValueError:
                problems.append(f"{where}: error is not JSON: {response.text[:100]!r}")
                return
            if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
                problems.append(f"{where}: error JSON without an 'error' message: {body!r}"[:300])

    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        run = settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy())(check))
        run()
    elapsed = time.monotonic() - started
    total = sum(sent.values())
    print(
        f"\n[schemathesis {schemathesis.SCHEMATHESIS_VERSION}] {total} requests to {operations} operations in "
        f"{elapsed:.0f} s; statuses {dict(sorted(sent.items()))}; problems {len(problems)}"
    )
    assert total >= operations, "the fuzzer sent almost nothing"
    assert not problems, "\n".join(problems[:20])
