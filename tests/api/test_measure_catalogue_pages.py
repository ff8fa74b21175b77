"""Adding a measure touches its analyzer, the catalogue (rooms/measures.py) and the translations only.

A measure registered in the catalogue in process, with no other edit, reaches the dashboard's page config (its
chart line, its tile in the page, its event wording), the replay's chart series, and the report's labels.
"""

from __future__ import annotations

import json
import re

import pytest
from aiohttp.test_utils import TestClient

from rooms import measures
from rooms.measures import REPORT, VIDEO_LANE, EventWording, Measure, Tile
from rooms.model import Observation, ObservationType
from rooms.replay import build_replay
from rooms.report import _metric
from tests.support.auth import ADMIN_TOKEN, room_token

BLINK_RATE = "blink_rate"  # a measure that does not exist: the point is that nothing else names it
YAWN = "yawn"
BLINKS_PER_MIN = "blinks_per_min"

CHARTED = Measure(
    BLINK_RATE, ObservationType.METRIC.value, "per min", producer="face", lane=VIDEO_LANE, low=0, high=120,
    chart="expression", tile=Tile(measures.EXPRESSION_CARD, 4, "number", sub="blinks / min"),
    label="Blink rate", description="Blinks per minute over the last 20 s.",
)  # fmt: skip
EVENT = Measure(
    YAWN, ObservationType.EVENT.value, "s", producer="face", lane=VIDEO_LANE, low=0,
    event=EventWording("Yawned for %(s)s s", "info"), label="Yawn", description="A yawn, with its length.",
)  # fmt: skip
REPORTED = Measure(
    BLINKS_PER_MIN, REPORT, "per min", producer="report", low=0,
    label="Blinks per minute", description="Blinks per minute of face-in-view time.",
)  # fmt: skip


@pytest.fixture
def extra_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the catalogue's file would hold: the constants and the entries.
    for name in (BLINK_RATE, YAWN, BLINKS_PER_MIN):
        monkeypatch.setattr(measures, name.upper(), name, raising=False)
    monkeypatch.setitem(measures.OBSERVATIONS, BLINK_RATE, CHARTED)
    monkeypatch.setitem(measures.OBSERVATIONS, YAWN, EVENT)
    monkeypatch.setitem(measures.REPORT_METRICS, BLINKS_PER_MIN, REPORTED)


def _page_config(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S)
    assert found, "the page has no page config"
    return json.loads(found.group(1))


async def _dashboard(client: TestClient, language: str = "en") -> str:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    created = await client.post("/api/rooms", json={"title": "Engineer", "candidate_name": "Ada"}, headers=admin)
    room = await created.json()
    token = room_token(room["interviewer_url"])
    response = await client.get(f"/rooms/{room['id']}/dashboard?token={token}", headers={"Accept-Language": language})
    assert response.status == 200
    return await response.text()


async def test_a_new_measure_reaches_the_dashboard_with_no_page_edit(client: TestClient, extra_measures: None) -> None:
    html = await _dashboard(client)
    config = _page_config(html)["measures"]
    entry = config["observations"][BLINK_RATE]
    # Its chart line: drawn in the expression chart; no style, so the page's palette colours it.
    assert entry["chart"] == "expression" and "style" not in entry
    # Its tile: in the expression card after the three the catalogue already places there, in the page itself.
    assert [t["name"] for t in config["tiles"]["expression"]][-1] == BLINK_RATE
    assert f'id="tile-{BLINK_RATE}"' in html and f'id="val-{BLINK_RATE}"' in html and "Blink rate" in html
    # Its constant, for a page that would need special behaviour for it; and its event's wording.
    assert config["names"]["BLINK_RATE"] == BLINK_RATE and config["names"]["YAWN"] == YAWN
    wording = config["observations"][YAWN]["event"]
    assert (wording["text"], wording["tone"], wording["labelled"]) == ("Yawned for %(s)s s", "info", False)


async def test_catalogue_wording_reaches_the_page_translated(client: TestClient) -> None:
    config = _page_config(await _dashboard(client, "zh-CN"))["measures"]
    # The charts' lines in catalogue order, as lists: the config's objects arrive with their keys sorted, and a
    # line's label, colour and data column must all follow the one order.
    assert config["charts"]["presence"] == [measures.FACE_PRESENT, measures.EYE_CONTACT]
    assert config["charts"]["expression"] == [measures.SMILE, measures.BROW_FURROW, measures.MOUTH_OPEN]
    assert config["observations"][measures.PAUSE]["event"]["text"] == "停顿 %(s)s 秒"
    assert config["observations"][measures.SPEECH_RATE]["style"]["legend_unit"] == "音节/分钟"
    tile = config["tiles"]["voice"][1]
    assert tile["name"] == measures.SILENCE_S and tile["label"] == "当前静默"


def test_a_new_charted_measure_is_a_replay_series(extra_measures: None) -> None:
    timeline = [Observation(ObservationType.METRIC, BLINK_RATE, 12.0 + i, float(i), 0.0) for i in range(20)] + [
        Observation(ObservationType.METRIC, measures.SMILE, 0.2, float(i), 0.0) for i in range(20)
    ]
    series = build_replay(timeline, 20.0).to_json()["series"]
    assert BLINK_RATE in series and measures.SMILE in series
    assert any(v is not None for v in series[BLINK_RATE])


def test_a_new_report_metric_takes_its_label_and_unit_from_the_catalogue(extra_measures: None) -> None:
    metric = _metric(BLINKS_PER_MIN, 14.5, "blinks / minutes")
    assert (metric.label, metric.unit, metric.explanation) == (
        "Blinks per minute",
        "per min",
        "Blinks per minute of face-in-view time.",
    )
    assert measures.page_catalogue()["report"][BLINKS_PER_MIN]["label"] == "Blinks per minute"
