"""The access log without secrets: paths are logged, query strings (which carry link tokens) never are."""

from __future__ import annotations

import time as clock

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class RedactedAccessLogger(AbstractAccessLogger):
    """Like aiohttp's default line, minus the query string and the Referer (both may hold a token)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        query = "?[redacted]" if request.query_string else ""
        self.logger.info(
            '%s [%s] "%s %s%s HTTP/%d.%d" %d %d "%s" %.3fs',
            request.remote,
            clock.strftime("%d/%b/%Y:%H:%M:%S %z"),
            request.method,
            request.path,
            query,
            request.version.major,
            request.version.minor,
            response.status,
            response.body_length,
            request.headers.get("User-Agent", "-"),
            time,
        )
