"""TURN REST API credentials (coturn's use-auth-secret) and the ICE server list every peer of a session gets."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from realtime.ice import IceServers
from realtime.turn import TurnCredentials, turn_password, validate_turn_url
from server.settings import SettingError, Settings


def test_password_is_base64_hmac_sha1_of_the_user_name() -> None:
    # The convention coturn checks: base64(HMAC-SHA1(static secret, "expiry:user")).
    expected = base64.b64encode(hmac.new(b"s3cret", b"1700000000:room1", hashlib.sha1).digest()).decode()
    assert turn_password("s3cret", "1700000000:room1") == expected


def test_each_session_gets_its_own_expiring_credentials() -> None:
    turn = TurnCredentials(("turn:t.example.org:3478", "turns:t.example.org:5349?transport=tcp"), "s3cret", 600)
    servers = turn.servers("room:1", now=1_700_000_000)
    assert [s.urls for s in servers] == ["turn:t.example.org:3478", "turns:t.example.org:5349?transport=tcp"]
    assert servers[0].username == "1700000600:room_1"  # ':' would end coturn's expiry field early
    assert servers[0].credential == turn_password("s3cret", "1700000600:room_1")
    assert turn.servers("room2", now=1_700_000_000)[0].username == "1700000600:room2"


def test_browser_and_aiortc_get_the_same_servers() -> None:
    ice = IceServers(("stun:s.example.org:3478",), TurnCredentials(("turn:t.example.org:3478",), "s3cret", 600))
    browser = ice.browser("room1")
    assert browser[0] == {"urls": "stun:s.example.org:3478"}
    assert browser[1]["urls"] == "turn:t.example.org:3478" and browser[1]["username"].endswith(":room1")
    config = ice.rtc_configuration("room1")
    assert [s.urls for s in config.iceServers] == ["stun:s.example.org:3478", "turn:t.example.org:3478"]
    assert config.iceServers[1].username.endswith(":room1") and config.iceServers[1].credential
    assert IceServers().browser("room1") == [] and IceServers().rtc_configuration("room1").iceServers == []


@pytest.mark.parametrize("url", ["stun:t.example.org", "turn:user:pass@t.example.org:3478", "turn:", "http://x"])
def test_turn_urls_are_plain_turn_or_turns(url: str) -> None:
    with pytest.raises(ValueError):
        validate_turn_url(url)


def test_settings_refuse_a_static_turn_password_and_turn_without_a_secret() -> None:
    with pytest.raises(SettingError, match="ICE_SERVER: no credentials"):
        Settings.load(environ={"INTERVIEW_ICE_SERVER": "turn:user:pass@t.example.org:3478"})
    with pytest.raises(SettingError, match="turn_secret_file"):
        Settings.load(environ={"INTERVIEW_TURN_URL": "turn:t.example.org:3478"})
