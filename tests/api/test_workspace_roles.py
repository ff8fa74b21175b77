"""Every workspace endpoint × every role × own/other branch: who may call it, and nobody else (issue 15).

One organisation: headquarters, branch A (the one the position and its interview belong to) and branch B.
Callers: HQ admin, HQ HR, A admin, A HR, A interviewer assigned to the interview, B interviewer (not assigned),
A viewer, B HR, B viewer, an A-scoped HR API key, a B-scoped one, and nobody. "Allowed" means the request got
past authorization (any answer but 401/403); "refused" means 401 or 403.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from rooms.accounts import Membership, WorkspaceRole
from server.auth_throttle import THROTTLE
from server.keys import ACCOUNTS
from tests.api.conftest import ClientFactory
from tests.support.workspace import Actor, add_api_key, add_person

R = WorkspaceRole
CALLERS = (
    "hq_admin",
    "hq_hr",
    "a_admin",
    "b_admin",
    "a_hr",
    "a_interviewer",
    "b_interviewer",
    "a_viewer",
    "b_hr",
    "b_viewer",
    "key_a_hr",
    "key_b_hr",
    "anonymous",
)
HQ_ADMIN = {"hq_admin"}
A_ADMINS = {"hq_admin", "a_admin"}
A_MANAGERS = {"hq_admin", "hq_hr", "a_admin", "a_hr", "key_a_hr"}
A_READERS = A_MANAGERS | {"a_viewer"}
ANY_MANAGERS = A_MANAGERS | {"b_admin", "b_hr", "key_b_hr"}
SIGNED_IN = set(CALLERS) - {"anonymous"}
KEYS = {"key_a_hr", "key_b_hr"}
PEOPLE = SIGNED_IN - KEYS
# Ending a room is the lead interviewer's (and the admin's): HR's room principal may not.
A_MANAGERS_ADMIN = {"hq_admin"}


@dataclass
class World:
    client: TestClient
    actors: dict[str, Actor]
    ids: dict[str, str]
    counter: itertools.count


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # formatted with World.ids
    allowed: frozenset[str]
    body: Callable[[World], Any] | None = None


def _case(name: str, method: str, path: str, allowed: set[str], body: Callable[[World], Any] | None = None) -> Case:
    return Case(name, method, path, frozenset(allowed), body)


CASES = [
    _case("me", "GET", "/api/workspace/me", SIGNED_IN),
    _case("organisation read", "GET", "/api/workspace/organisation", SIGNED_IN),
    _case("organisation rename", "PUT", "/api/workspace/organisation", HQ_ADMIN, lambda w: {"name": "Group"}),
    _case("branches list", "GET", "/api/workspace/branches", SIGNED_IN),
    _case("branch create", "POST", "/api/workspace/branches", HQ_ADMIN, lambda w: {"name": f"C{next(w.counter)}"}),
    _case("people list", "GET", "/api/workspace/people", A_ADMINS | {"b_admin"}),
    _case(
        "person create in A",
        "POST",
        "/api/workspace/people",
        A_ADMINS,
        lambda w: {
            "email": f"new{next(w.counter)}@example.com",
            "memberships": [{"branch_id": w.ids["a"], "role": "interviewer"}],
        },
    ),
    _case(
        "person create in B",
        "POST",
        "/api/workspace/people",
        HQ_ADMIN | {"b_admin"},
        lambda w: {
            "email": f"newb{next(w.counter)}@example.com",
            "memberships": [{"branch_id": w.ids["b"], "role": "hr"}],
        },
    ),
    _case("reset link for A HR", "POST", "/api/workspace/people/{a_hr}/reset-link", A_ADMINS),
    _case(
        "memberships of A HR",
        "PUT",
        "/api/workspace/people/{a_hr}/memberships",
        A_ADMINS,
        lambda w: {"memberships": [{"branch_id": w.ids["a"], "role": "hr"}]},
    ),
    _case("disable", "PUT", "/api/workspace/people/{spare}/disabled", HQ_ADMIN, lambda w: {"disabled": False}),
    _case("api keys list", "GET", "/api/workspace/api-keys", HQ_ADMIN),
    _case("api key revoke", "DELETE", "/api/workspace/api-keys/{spare_key}", HQ_ADMIN),
    _case("api key create", "POST", "/api/workspace/api-keys", HQ_ADMIN, lambda w: {"name": "ats", "role": "hr"}),
    _case("interviewer pool", "GET", "/api/workspace/interviewers", ANY_MANAGERS),
    _case("templates", "GET", "/api/workspace/templates", ANY_MANAGERS),
    _case("positions list", "GET", "/api/workspace/positions", SIGNED_IN),
    _case(
        "position create in A",
        "POST",
        "/api/workspace/positions",
        A_MANAGERS,
        lambda w: {"branch_id": w.ids["a"], "title": "Cashier"},
    ),
    _case("position read", "GET", "/api/workspace/positions/{position}", A_READERS),
    _case(
        "position edit",
        "PUT",
        "/api/workspace/positions/{position}",
        A_MANAGERS,
        lambda w: {
            "title": "Teller",
            "rounds": [{"mode": "live"}, {"mode": "live"}],
            "interviewer_ids": [w.ids["a_interviewer"]],
        },
    ),
    _case("board", "GET", "/api/workspace/positions/{position}/board", A_READERS),
    _case("board search", "GET", "/api/workspace/positions/{position}/board?q=ada&sort=name&order=asc", A_READERS),
    _case("compare", "GET", "/api/workspace/positions/{position}/compare?ids={candidate},{candidate2}", A_READERS),
    _case(
        "invite",
        "POST",
        "/api/workspace/positions/{position}/candidates",
        A_MANAGERS,
        lambda w: {"candidates": [{"name": f"Cand {next(w.counter)}"}]},
    ),
    _case(
        "upload (not a file: 400 once past authorization)",
        "POST",
        "/api/workspace/positions/{position}/candidates/upload",
        A_MANAGERS,
        lambda w: {"file": "x"},
    ),
    _case("candidate read", "GET", "/api/workspace/candidates/{candidate}", A_READERS),
    _case("activity", "GET", "/api/workspace/candidates/{candidate}/activity", A_MANAGERS),
    _case("resend", "POST", "/api/workspace/candidates/{candidate2}/resend", A_MANAGERS),
    _case("next round", "POST", "/api/workspace/candidates/{spare_candidate}/next-round", A_MANAGERS),
    _case(
        "schedule",
        "PUT",
        "/api/workspace/interviews/{room}/schedule",
        A_MANAGERS,
        lambda w: {
            "scheduled_at": "2030-01-02T10:00:00+08:00",
            "duration_min": 30,
            "interviewer_ids": [w.ids["a_interviewer"]],
        },
    ),
    _case("calendar file", "GET", "/api/workspace/interviews/{room}/ics", A_MANAGERS | {"a_interviewer"}),
    _case("my interviews", "GET", "/api/workspace/my-interviews", SIGNED_IN),
    # The existing room endpoints, for people and keys (server/room_access.py).
    _case("room read", "GET", "/api/rooms/{room}", A_MANAGERS | {"a_interviewer"}),
    _case("room report", "GET", "/api/rooms/{room}/report", A_READERS | {"a_interviewer"}),
    _case("room notes", "GET", "/api/rooms/{room}/notes", A_MANAGERS | {"a_interviewer"}),
    _case(
        "room note",
        "POST",
        "/api/rooms/{room}/notes",
        A_MANAGERS | {"a_interviewer"},
        lambda w: {"text": "clear answer", "rating": 4},
    ),
    _case(
        "room decision",
        "PUT",
        "/api/rooms/{room}/decision",
        A_MANAGERS,
        lambda w: {"decision": "advance", "note": "good"},
    ),
    _case("room timeline", "GET", "/api/rooms/{room}/timeline", A_MANAGERS | {"a_interviewer"}),
    _case("room decision read", "GET", "/api/rooms/{room}/decision", A_MANAGERS | {"a_interviewer"}),
    _case("room QR code", "GET", "/api/rooms/{room}/qr.svg", A_MANAGERS),
    _case("room invitation text", "GET", "/api/rooms/{room}/invitation", A_MANAGERS),
    _case("room end (lead interviewer)", "POST", "/api/rooms/{spare_room}/end", A_MANAGERS_ADMIN | {"a_interviewer"}),
    _case("rooms list (admin)", "GET", "/api/rooms", HQ_ADMIN),
    _case("templates (admin)", "GET", "/api/templates", HQ_ADMIN),
    # The pages: a person signed in with the role sees it; anyone else is refused or sent to sign in.
    _case("page: board", "GET", "/workspace/positions/{position}", A_READERS - KEYS),
    _case("page: candidate", "GET", "/workspace/candidates/{candidate}", A_READERS - KEYS),
    _case(
        "page: compare", "GET", "/workspace/positions/{position}/compare?ids={candidate},{candidate2}", A_READERS - KEYS
    ),
    _case("page: people & branches", "GET", "/workspace/admin", {"hq_admin", "a_admin", "b_admin"}),
    _case("page: my interviews", "GET", "/workspace/my-interviews", PEOPLE),
    _case("page: a room's report", "GET", "/rooms/{room}/report", A_READERS | {"a_interviewer"}),
    _case("open the report", "GET", "/workspace/rooms/{room}/report", (A_READERS | {"a_interviewer"}) - KEYS),
    _case("open the replay", "GET", "/workspace/rooms/{room}/replay", (A_MANAGERS | {"a_interviewer"}) - KEYS),
    _case("open the dashboard", "GET", "/workspace/rooms/{room}/dashboard", (A_MANAGERS | {"a_interviewer"}) - KEYS),
    _case("webhooks (admin)", "GET", "/api/webhooks", HQ_ADMIN),
]


@pytest.fixture
async def world(make_client: ClientFactory) -> World:
    client = await make_client()
    app = client.server.app
    app[THROTTLE].max_failures = 1_000_000  # refusals are the point here, not an attack
    accounts = app[ACCOUNTS]
    a = await accounts.create_branch("Shanghai")
    b = await accounts.create_branch("Beijing")
    actors = {
        "hq_admin": await add_person(app, "hq-admin@example.com", Membership(None, R.ADMIN)),
        "hq_hr": await add_person(app, "hq-hr@example.com", Membership(None, R.HR)),
        "a_admin": await add_person(app, "a-admin@example.com", Membership(a.id, R.ADMIN)),
        "b_admin": await add_person(app, "b-admin@example.com", Membership(b.id, R.ADMIN)),
        "a_hr": await add_person(app, "a-hr@example.com", Membership(a.id, R.HR)),
        "a_interviewer": await add_person(app, "a-int@example.com", Membership(a.id, R.INTERVIEWER)),
        "b_interviewer": await add_person(app, "b-int@example.com", Membership(b.id, R.INTERVIEWER)),
        "a_viewer": await add_person(app, "a-view@example.com", Membership(a.id, R.VIEWER)),
        "b_hr": await add_person(app, "b-hr@example.com", Membership(b.id, R.HR)),
        "b_viewer": await add_person(app, "b-view@example.com", Membership(b.id, R.VIEWER)),
        "spare": await add_person(app, "spare@example.com", Membership(b.id, R.VIEWER)),
        "key_a_hr": await add_api_key(app, "ats-a", R.HR, a.id),
        "key_b_hr": await add_api_key(app, "ats-b", R.HR, b.id),
        "anonymous": Actor("anonymous"),
    }
    admin = actors["hq_admin"].headers
    position = await client.post(
        "/api/workspace/positions",
        json={
            "branch_id": a.id,
            "title": "Teller",
            "rounds": [{"mode": "live"}, {"mode": "live"}],
            "interviewer_ids": [actors["a_interviewer"].id, actors["b_interviewer"].id],
        },
        headers=admin,
    )
    assert position.status == 201, await position.text()
    position_id = (await position.json())["id"]
    invited = await client.post(
        f"/api/workspace/positions/{position_id}/candidates",
        json={"candidates": [{"name": "Ada"}, {"name": "Grace"}, {"name": "Spare"}, {"name": "Ends"}]},
        headers=admin,
    )
    assert invited.status == 201, await invited.text()
    created = (await invited.json())["created"]
    room = created[0]["room_id"]
    scheduled = await client.put(
        f"/api/workspace/interviews/{room}/schedule",
        json={"scheduled_at": 1_900_000_000, "interviewer_ids": [actors["a_interviewer"].id]},
        headers=admin,
    )
    assert scheduled.status == 200, await scheduled.text()
    spare_room = created[3]["room_id"]
    lead = await client.put(
        f"/api/workspace/interviews/{spare_room}/schedule",
        json={"interviewer_ids": [actors["a_interviewer"].id]},
        headers=admin,
    )
    assert lead.status == 200
    spare_key, _ = await accounts.create_api_key("spare", R.VIEWER, None, "test")
    ids = {
        "a": a.id,
        "b": b.id,
        "position": position_id,
        "candidate": created[0]["id"],
        "candidate2": created[1]["id"],
        "spare_candidate": created[2]["id"],
        "spare_room": spare_room,
        "spare_key": spare_key.id,
        "room": room,
        **{name: actor.id for name, actor in actors.items()},
    }
    return World(client, actors, ids, itertools.count())


async def test_every_endpoint_every_role_own_and_other_branch(world: World) -> None:
    wrong: list[str] = []
    checked = 0
    for case in CASES:
        for caller in CALLERS:
            path = case.path.format(**world.ids)
            body = case.body(world) if case.body else None
            response = await world.client.request(
                case.method, path, json=body, headers=world.actors[caller].headers, allow_redirects=False
            )
            to_sign_in = response.status == 303 and response.headers.get("Location", "").startswith("/login")
            refused = response.status in (401, 403) or to_sign_in
            allowed = caller in case.allowed
            checked += 1
            if allowed == refused or response.status >= 500:
                wrong.append(f"{case.name} as {caller}: {response.status} {(await response.text())[:160]}")
    assert not wrong, "\n".join(wrong)
    assert checked == len(CASES) * len(CALLERS)


async def test_a_cookie_without_its_csrf_token_changes_nothing(world: World) -> None:
    headers = {"Cookie": world.actors["hq_admin"].headers["Cookie"]}
    response = await world.client.post("/api/workspace/branches", json={"name": "Forged"}, headers=headers)
    assert response.status == 403
    assert "CSRF" in (await response.json())["error"]
    names = [
        b["name"]
        for b in (
            await (await world.client.get("/api/workspace/branches", headers=world.actors["hq_admin"].headers)).json()
        )["branches"]
    ]
    assert "Forged" not in names


async def test_a_revoked_api_key_is_refused_and_use_is_recorded(world: World) -> None:
    admin = world.actors["hq_admin"].headers
    assert (await world.client.get("/api/workspace/me", headers=world.actors["key_a_hr"].headers)).status == 200
    keys = (await (await world.client.get("/api/workspace/api-keys", headers=admin)).json())["api_keys"]
    used = next(k for k in keys if k["name"] == "ats-a")
    assert used["last_used_at"] is not None
    assert (await world.client.delete(f"/api/workspace/api-keys/{used['id']}", headers=admin)).status == 204
    response = await world.client.get("/api/workspace/me", headers=world.actors["key_a_hr"].headers)
    assert response.status == 401
