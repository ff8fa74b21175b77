"""Logging for operators: plain text or one JSON object per line, every line of a request with its request id.

No personal data and no tokens: the access log records the path without its query string (role tokens travel
in `?token=`), never headers or bodies, and no client address (an IP address is personal data).
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-Id"
# An id a proxy or client sent is kept only if it is short and plain (it is echoed into logs and headers).
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REQUEST_ID = web.RequestKey("request_id", str)
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being handled (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:  # the access log passes its own
            record.request_id = _request_id.get()
        return True


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Root logging for the server process: `text` (human) or `json` (one object per line, for collectors)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    elif log_format == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        raise ValueError(f"unknown log format {log_format!r} (text or json)")
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("aioice").setLevel(logging.WARNING)


def url_for_logs(url: str) -> str:
    """A URL without what may carry a secret: its query, fragment and user info (`https://host/path`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def current_request_id() -> str | None:
    return _request_id.get()


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Adopts a sane incoming X-Request-Id (from the proxy) or makes one; echoes it on the response."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _VALID_REQUEST_ID.match(incoming) else secrets.token_hex(8)
    request[REQUEST_ID] = request_id
    reset = _request_id.set(request_id)
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[REQUEST_ID_HEADER] = request_id
            raise
        if not response.prepared:  # a WebSocket or stream already sent its headers
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        _request_id.reset(reset)


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path without the query (tokens), status, size, time and request id."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "bytes": response.body_length,
                "duration_ms": round(time * 1000.0, 1),
                "request_id": request.get(REQUEST_ID),
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
