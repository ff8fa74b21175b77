"""Reading the links the API hands out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def room_token(url: str) -> str:
    """The role token a room link carries in its query."""
    return parse_qs(urlparse(url).query)["token"][0]
