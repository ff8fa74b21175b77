"""deploy/prometheus/open-interview.rules.yml and deploy/grafana/open-interview-dashboard.json name only
metrics this server's /metrics serves, and are well-formed (Prometheus rule groups; a Grafana dashboard with
a datasource input). promtool is not in Debian 12 without the whole Prometheus server, so the queries are
checked here: every metric a query reads must exist, with the suffix its type gives."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient

from tests.support.server_process import ADMIN_TOKEN, ROOT

RULES = ROOT / "deploy" / "prometheus" / "open-interview.rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "open-interview-dashboard.json"
# Series Prometheus makes itself, not the target.
PROMETHEUS_OWN = {"up"}
_SUFFIXES = {
    "counter": ("",),  # the TYPE line already names the _total series
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, labels, ranges and strings taken out)."""
    text = re.sub(r'"[^"]*"', "", expr)  # strings: label values, legend text
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)  # grouping labels
    text = re.sub(r"[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(", "(", text)  # function names
    names = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", text))
    return {n for n in names if n not in {"and", "or", "unless", "bool", "offset"} and not n.startswith("$")}


async def _served_series(client: TestClient) -> set[str]:
    text = await (await client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})).text()
    series = set()
    for family, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        series.update(family + suffix for suffix in _SUFFIXES.get(kind, ("",)))
    return series


def _rules() -> list[dict]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_expression_parser_finds_metric_names() -> None:
    expr = 'histogram_quantile(0.95, sum by (le, instance) (rate(a_bucket{x="y"}[5m]))) > 0.25 and b_total'
    assert metric_names(expr) == {"a_bucket", "b_total"}


async def test_alert_rules_read_only_served_metrics_and_say_what_to_do(client: TestClient) -> None:
    served = await _served_series(client)
    rules = _rules()
    assert len(rules) >= 8
    for rule in rules:
        assert rule["alert"].startswith("OpenInterview"), rule
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule
        unknown = metric_names(rule["expr"]) - served - PROMETHEUS_OWN
        assert not unknown, f"{rule['alert']} reads metrics /metrics does not serve: {unknown}"


async def test_dashboard_reads_only_served_metrics(client: TestClient) -> None:
    served = await _served_series(client)
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "open-interview" and dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    exprs = _dashboard_exprs()
    assert len(exprs) >= 10
    read = set().union(*(metric_names(e) for e in exprs))
    assert not read - served, f"the dashboard reads metrics /metrics does not serve: {read - served}"
    # What an operator watches: live interviews, lag, latency, drops, gaps, CPU and report times.
    for wanted in (
        "interview_active",
        "interview_lane_lag_seconds",
        "interview_observation_latency_seconds_bucket",
        "interview_frames_dropped_total",
        "interview_audio_gaps_total",
        "interview_node_cpu_percent",
        "interview_report_seconds_bucket",
    ):
        assert wanted in read, wanted
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian: prometheus)")
def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    check = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


async def test_report_time_is_observed_when_a_report_is_stored(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    room = await (await client.post("/api/rooms", json={"title": "T", "candidate_name": "C"}, headers=headers)).json()
    assert (await client.post(f"/api/rooms/{room['id']}/end", headers=headers)).status == 200
    for _ in range(100):
        if (await client.get(f"/api/rooms/{room['id']}/report", headers=headers)).status == 200:
            break
        await asyncio.sleep(0.05)
    text = await (await client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})).text()
    assert re.search(r"^interview_report_seconds_count 1\.0$", text, re.M), text
