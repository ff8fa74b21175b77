"""The OpenAPI document (server/openapi.json) describes exactly the routes the application serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from server.app import create_app
from server.openapi import DOCUMENT
from server.settings import Settings

METHODS = {"get", "put", "post", "delete", "patch", "options"}


def _documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in doc["paths"].items() for method in item if method in METHODS}


def _served(app: web.Application) -> set[tuple[str, str]]:
    served = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        # HEAD is added by aiohttp beside every GET; pages and static files are not the API.
        if route.method == "HEAD" or not (path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics")):
            continue
        served.add((path, route.method))
    return served


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text())


@pytest.fixture
def app(tmp_path: Path) -> web.Application:
    # Building the app only registers routes; the model-loading cleanup contexts never run here.
    return create_app(Settings(data_dir=tmp_path, admin_token="openapi-test-admin-token-32-characters-long"))


def test_every_route_is_documented_and_every_documented_path_is_served(
    app: web.Application, doc: dict[str, Any]
) -> None:
    served, documented = _served(app), _documented(doc)
    assert served, "no API routes found: the router walk is broken"
    missing = sorted(served - documented)
    stale = sorted(documented - served)
    assert not missing, f"routes missing from server/openapi.json: {missing}"
    assert not stale, f"documented in server/openapi.json but not served: {stale}"


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node["$ref"]
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_document_is_well_formed(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    for path, item in doc["paths"].items():
        shared = [_resolve(doc, p) for p in item.get("parameters", [])]
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), f"{where} has no summary"
            assert operation.get("x-roles"), f"{where} does not say who may call it"
            statuses = set(operation["responses"])
            assert any(s.startswith("2") or s == "101" for s in statuses), f"{where} documents no success answer"
            # Every path template variable is declared as a required path parameter, and nothing else is.
            params = shared + [_resolve(doc, p) for p in operation.get("parameters", [])]
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{where}: path parameters {declared}"
            assert all(p.get("required") for p in params if p["in"] == "path"), where
            for response in operation["responses"].values():
                _resolve(doc, response)  # every $ref points somewhere


def test_every_webhook_event_type_is_documented(doc: dict[str, Any]) -> None:
    from rooms.outbox import EventType

    assert set(doc["webhooks"]) == {e.value for e in EventType}
    assert doc["components"]["schemas"]["EventType"]["enum"] == [e.value for e in EventType]
