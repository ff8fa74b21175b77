"""Time-limited TURN credentials (the TURN REST API convention, coturn's `use-auth-secret`).

The TURN server and this server share a secret; for each session we mint a username `"<expiry>:<session>"` and
the password `base64(HMAC-SHA1(secret, username))`. coturn recomputes the password from the username and
refuses it after the expiry, so a browser only ever holds a credential that dies on its own: never a static
TURN password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from pathlib import Path

# A candidate page stays open for the whole interview (and reconnects with what it was given): 12 hours
# covers the longest interview with room to spare and still expires the same day.
DEFAULT_TTL_S = 12 * 3600


@dataclass(frozen=True, slots=True)
class IceServer:
    """One RTCIceServer entry: the browser's `{"urls", "username", "credential"}` and aiortc's RTCIceServer."""

    urls: str
    username: str | None = None
    credential: str | None = None

    def to_browser(self) -> dict[str, str]:
        entry = {"urls": self.urls}
        if self.username is not None and self.credential is not None:
            entry["username"] = self.username
            entry["credential"] = self.credential
        return entry


def turn_password(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def read_secret(path: Path) -> str:
    """The shared secret from its file (the same value as coturn's `static-auth-secret`)."""
    secret = path.read_text().strip()
    if not secret:
        raise ValueError(f"the TURN secret file {path} is empty")
    return secret


@dataclass(frozen=True, slots=True)
class TurnCredentials:
    """Mints credentials for `urls` (e.g. `turn:turn.example.org:3478`, `...?transport=tcp`, `turns:...:5349`)."""

    urls: tuple[str, ...]
    secret: str
    ttl_s: int = DEFAULT_TTL_S

    def __post_init__(self) -> None:
        for url in self.urls:
            validate_turn_url(url)

    def servers(self, session: str, now: float | None = None) -> list[IceServer]:
        expiry = int((time.time() if now is None else now) + self.ttl_s)
        # coturn reads everything up to the first ':' as the expiry; the rest only has to be printable.
        username = f"{expiry}:{session.replace(':', '_')}"
        password = turn_password(self.secret, username)
        return [IceServer(url, username, password) for url in self.urls]


def validate_turn_url(url: str) -> str:
    scheme, sep, rest = url.partition(":")
    if scheme not in ("turn", "turns") or not sep or not rest or "@" in rest:
        raise ValueError(f"not a TURN URL without credentials (turn:host:port or turns:host:port): {url!r}")
    return url
