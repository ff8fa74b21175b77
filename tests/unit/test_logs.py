"""Operator logs: one JSON object per line with the request id, and URLs without what may carry a secret."""

from __future__ import annotations

import json
import logging

import pytest

from server.logs import _request_id, configure_logging, url_for_logs


def test_url_for_logs_drops_query_fragment_and_user_info() -> None:
    assert url_for_logs("https://user:pw@hr.example.org:8443/hook?key=abc#frag") == "https://hr.example.org:8443/hook"
    assert url_for_logs("http://hr.example.org/hook") == "http://hr.example.org/hook"


def test_json_lines_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("json")
        token = _request_id.set("req-42")
        try:
            logging.getLogger("server.test").info("report for room %s ready", "r1")
        finally:
            _request_id.reset(token)
        logging.getLogger("server.test").warning("outside a request")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        root.handlers[:], root.level = saved
    assert lines[0]["message"] == "report for room r1 ready" and lines[0]["request_id"] == "req-42"
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "server.test" and "T" in lines[0]["time"]
    assert lines[1]["request_id"] is None


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="xml"):
        configure_logging("xml")
