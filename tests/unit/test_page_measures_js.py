"""The pages' catalogue reader (web/static/js/lib/measures.js) and the event list's wording, run in Node on the
page config the server builds: a measure registered in the catalogue gets a chart line with a palette colour,
its tile, its wording and its constant with no edit to the scripts; the existing ones keep their look."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rooms import measures
from rooms.measures import VIDEO_LANE, EventWording, Measure, Tile
from rooms.model import ObservationType

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed (scripts/setup.sh --test installs it)")

# Loads the scripts as the browser does (ES modules), with the page config where they look for it.
SCRIPT = """
import { readFileSync } from "node:fs";
const config = readFileSync(process.argv[1], "utf8");
globalThis.document = {
  getElementById: (id) => (id === "page-config" ? { textContent: config } : null),
  documentElement: { lang: "en" },
};
const m = await import(process.argv[2] + "/lib/measures.js");
const events = await import(process.argv[2] + "/dashboard/events.js");
const cases = JSON.parse(process.argv[3]);
let unknown = null;
try { m.M.NO_SUCH_MEASURE; } catch (err) { unknown = err.message; }
console.log(JSON.stringify({
  series: Object.fromEntries(["presence", "expression", "voice", "sound"].map((g) => [g, m.chartSeries(g)])),
  tiles: m.tileSpecs().map((t) => [t.name, t.card, t.format]),
  events: cases.map(([name, value]) => events.describeEvent({ name, value })),
  constant: "BLINK_RATE" in m.M ? m.M.BLINK_RATE : null,
  listed: m.isListed(m.M.FILLER),
  unknown,
}));
"""


def _run(tmp_path: Path, cases: list[list[object]]) -> dict:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"measures": measures.page_catalogue()}), encoding="utf-8")
    assert NODE is not None
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", SCRIPT, str(config), str(ROOT / "web/static/js"), json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_existing_measures_keep_their_colours_order_and_wording(tmp_path: Path) -> None:
    page = _run(tmp_path, [["pause", 2.345], ["candidate_connected", False], ["tab_hidden", 3.21], ["new_one", 3]])
    presence = [(s["name"], s["stroke"], s["fill"]) for s in page["series"]["presence"]]
    assert presence == [("face_present", "#1a7f37", "rgba(26,127,55,0.08)"), ("eye_contact", "#0b5cad", None)]
    expression = [(s["label"], s["stroke"]) for s in page["series"]["expression"]]
    assert expression == [("Smile", "#b07d00"), ("Brow furrow", "#8250df"), ("Mouth open", "#c9302c")]
    voice = page["series"]["voice"]
    assert (voice[0]["width"], voice[1]["label"], voice[1]["rightAxis"]) == (1, "Speech rate (syll/min)", True)
    assert page["events"] == [
        {"text": "Pause of 2.3 s", "tone": ""},
        {"text": "Candidate disconnected", "tone": "bad"},
        {"text": "Interview page hidden for 3.2 s", "tone": "warn"},
        {"text": "New one: 3", "tone": ""},
    ]
    assert page["listed"] is False and page["constant"] is None
    assert page["unknown"] == "NO_SUCH_MEASURE is not a measure constant (rooms/measures.py)"


def test_a_registered_measure_reaches_the_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measures, "BLINK_RATE", "blink_rate", raising=False)
    monkeypatch.setitem(
        measures.OBSERVATIONS,
        "blink_rate",
        Measure(
            "blink_rate", ObservationType.METRIC.value, "per min", producer="face", lane=VIDEO_LANE, chart="expression",
            tile=Tile(measures.EXPRESSION_CARD, 4, "number"), event=EventWording("%(n)s blinks", "info"),
            label="Blink rate", description="Blinks per minute.",
        ),
    )  # fmt: skip
    page = _run(tmp_path, [["blink_rate", 12]])
    # The fourth line of the expression chart: the first palette colour none of the three styled lines has.
    assert [(s["name"], s["stroke"]) for s in page["series"]["expression"]][-1] == ("blink_rate", "#1a7f37")
    assert ["blink_rate", "expression", "number"] in page["tiles"]
    assert page["events"] == [{"text": "12 blinks", "tone": "info"}] and page["constant"] == "blink_rate"
