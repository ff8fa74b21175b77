"""The admin token every test server runs with, and reading the role links the API hands out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

ADMIN_TOKEN = "test-admin-token-of-at-least-32-characters"


def room_token(url: str) -> str:
    """The role token a room link carries in its query."""
    return parse_qs(urlparse(url).query)["token"][0]
