"""How fast a position's pipeline board answers with 10,000 candidates in it (issue 15: target <= 200 ms each).

Hand-run, prints figures: `.venv/bin/python bench/workspace_board.py [candidates] [repeats]` (default 10000, 20).
The real app in process on loopback (routes, session middleware, authorization, SQLite in WAL on disk), no models.
One position gets the candidates (a quarter without results, the rest with scores, dimensions, flags and
ratings, spread over every stage); an HR person's session asks the board over HTTP. Reported per query: the
handler's own time (its Server-Timing header: query, count, stage counts, links, rows) and the round trip as the
client sees it (JSON encoding and HTTP included), median and 95th percentile.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realtime.engine import AnalysisEngine  # noqa: E402
from rooms.accounts import WorkspaceRole, hash_password  # noqa: E402
from rooms.hiring import Candidate, PositionFields, Round, RoundInterview, Stage  # noqa: E402
from rooms.model import RoomMode  # noqa: E402
from server.app import create_app  # noqa: E402
from server.keys import ACCOUNTS, HIRING  # noqa: E402
from server.settings import Settings  # noqa: E402

QUERIES = {
    "first page (newest)": "",
    "search by name": "?q=wei%2012",
    "stage filter, by overall score": "?stage=completed&sort=overall&order=desc",
    "by rating, page 100 of 200": "?sort=rating&order=desc&per_page=50&page=100",
    "search, sorted by name": "?q=zhang&sort=name&order=asc",
}
SURNAMES = ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Lin"]
GIVEN = ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Ping", "Hui", "Ling"]


def _engine(settings: Settings) -> AnalysisEngine:
    return AnalysisEngine([], threads=1)


async def seed(app, count: int) -> tuple[str, dict[str, str]]:
    """A branch, an HR person with a session, a position and `count` candidates with their results."""
    accounts, hiring = app[ACCOUNTS], app[HIRING]
    branch = await accounts.create_branch("Shanghai")
    person = await accounts.create_person("hr@example.com", "HR", hash_password("bench password"))
    await accounts.set_membership(person.id, branch.id, WorkspaceRole.HR, held=True)
    session_id, csrf = await accounts.create_session(person.id, 3600)
    fields = PositionFields("Store manager", "", "zh", None, (Round(None, RoomMode.ONE_WAY),), ())
    position = await hiring.create_position("bench-position", branch.id, fields)
    rng = random.Random(15)
    stages = list(Stage)
    entries, results = [], []
    now = time.time()
    for i in range(count):
        name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} {i}"
        room_id = f"room-{i}"
        created = now - (count - i) * 30.0
        candidate = Candidate(
            f"cand-{i}", position.id, branch.id, name, None, None, "Asia/Shanghai", 1, room_id,
            Stage.INVITED, created, created,
        )  # fmt: skip
        entries.append(
            (candidate, RoundInterview(room_id, candidate.id, 1, RoomMode.ONE_WAY, created, now + 86400), "x")
        )
        if i % 4:
            results.append((room_id, rng.choice(stages[2:])))
    await hiring.add_candidates(entries, "bench")
    for room_id, stage in results:
        dims = {d: round(rng.uniform(30, 95), 1) for d in ("presence", "delivery", "engagement")}
        flags = {"face_lost": rng.randint(0, 3)} if rng.random() < 0.3 else {}
        await hiring.set_results(
            room_id, round(sum(dims.values()) / 3, 1), dims, rng.choice(["advance", "hold"]), flags
        )
        await hiring.set_rating(room_id, round(rng.uniform(1, 5), 1), rng.randint(1, 3))
        await hiring.advance_stage(room_id, stage, (Stage.INVITED,))
    return position.id, {"Cookie": f"oi_session={session_id}", "X-CSRF-Token": csrf}


async def main(count: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), admin_token="bench-admin-token-" + "x" * 32, transcript=False)
        server = TestServer(create_app(settings, _engine))
        await server.start_server()
        try:
            started = time.perf_counter()
            position, headers = await seed(server.app, count)
            print(f"seeded {count} candidates in {time.perf_counter() - started:.1f} s")
            async with ClientSession(str(server.make_url(""))) as client:
                url = f"/api/workspace/positions/{position}/board"
                print(f"{'query':34} {'rows':>5} {'total':>6}  handler ms (median / p95)  round trip ms (median / p95)")
                for label, query in QUERIES.items():
                    handler, trip = [], []
                    for _ in range(repeats):
                        t0 = time.perf_counter()
                        async with client.get(url + query, headers=headers) as response:
                            body = await response.json()
                            assert response.status == 200, body
                            timing = response.headers["Server-Timing"]
                        trip.append((time.perf_counter() - t0) * 1000.0)
                        handler.append(float(timing.split("dur=")[1]))
                    print(
                        f"{label:34} {len(body['candidates']):>5} {body['total']:>6}  "
                        f"{statistics.median(handler):8.1f} / {_p95(handler):6.1f}        "
                        f"{statistics.median(trip):8.1f} / {_p95(trip):6.1f}"
                    )
        finally:
            await server.close()


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(args[0] if args else 10_000, args[1] if len(args) > 1 else 20))
