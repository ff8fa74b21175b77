"""Parsing untrusted JSON without letting its shape hurt the server: bounded nesting, never a RecursionError."""

from __future__ import annotations

import json
import re
from typing import Any

from rooms.errors import InvalidInput

# Deeper than any body this API accepts (a template with questions and rules is 4 levels), far below the
# interpreter's recursion limit, which a body of 100,000 "[" would otherwise hit (a 500).
MAX_DEPTH = 32
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def loads_limited(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with a nesting limit checked before parsing; bad JSON raises InvalidInput (a 400)."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    if _nesting(text, max_depth) > max_depth:
        raise InvalidInput(f"the JSON body is nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidInput("malformed JSON body") from None


def _nesting(text: str, max_depth: int = MAX_DEPTH) -> int:
    """The bracket nesting outside strings, without recursion; stops as soon as it passes `max_depth`."""
    if text.count("[") + text.count("{") <= max_depth:
        return 0  # the common case: too few brackets to matter, no scan at all
    depth = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > max_depth:
                return depth  # 100,000 "[" are refused after 33 of them
        else:
            depth -= 1
    return 0
