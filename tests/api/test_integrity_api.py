"""The candidate page's integrity reports: checked like every input, candidate only, live interviews only; the
candidate page names the signals that are on."""

from __future__ import annotations

from tests.support.app import Api
from tests.support.auth import room_token


async def test_page_reports_are_checked(api: Api) -> None:
    room = await api.create_room()
    path = f"/api/rooms/{room['id']}/integrity"
    candidate, interviewer = room_token(room["candidate_url"]), room_token(room["interviewer_url"])
    event = {"name": "tab_hidden", "ago_s": 3, "duration_s": 2}
    assert (await api.request("POST", path, {"events": [event]}, token=interviewer))[0] == 403
    assert (await api.request("POST", path, {"events": [event]}, token=candidate))[0] == 409  # not live yet
    for body in (
        {"events": "x"},
        {"events": [{"name": "unknown", "ago_s": 1}]},
        {"events": [{"name": "tab_hidden", "ago_s": 1}]},  # a stretch needs its length
        {"events": [{"name": "paste", "ago_s": -1}]},
        {"events": [event] * 51},
    ):
        status, answer = await api.request("POST", path, body, token=candidate)
        assert status == 400 and answer["error"], (body, answer)


async def test_consent_names_the_signals_that_are_on(make_client) -> None:
    client = await make_client(integrity_off=("paste", "reading"))
    api = Api(client, None)  # type: ignore[arg-type]
    room = await api.create_room()
    status, page = await api.request("GET", room["candidate_url"], token=None)
    assert status == 200
    assert "hidden or out of focus" in page and "goes with the movement of your mouth" in page
    assert "text you paste" not in page and "look like reading" not in page
    assert '"signals": ["tab_hidden", "window_blur", "fullscreen_exit", "second_screen", "page_reload"]' in page
