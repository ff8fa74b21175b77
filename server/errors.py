"""Every failure becomes a JSON error with a 4xx status; nothing escapes as an HTML 500 or a dead server.

The body is {"error": English text for people reading logs, "code": a stable snake_case identifier for programs}.
Pages translate what they show; the API's messages stay English (docs/languages.md).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

from rooms.errors import DomainError, Unavailable
from server.auth import AuthError, ForbiddenError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_code(status: int, exc: BaseException | None = None) -> str:
    """A domain error's own `code`, else the HTTP status phrase: 404 "not_found", 413 "request_entity_too_large"."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return f"http_{status}"


def json_error(
    status: int, message: str, headers: dict[str, str] | None = None, exc: BaseException | None = None
) -> web.Response:
    return web.json_response({"error": message, "code": error_code(status, exc)}, status=status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AuthError as exc:
        return json_error(401, str(exc), exc=exc)
    except ForbiddenError as exc:
        return json_error(403, str(exc), exc=exc)
    except Unavailable as exc:
        return json_error(exc.status, str(exc), {"Retry-After": str(exc.retry_after_s)}, exc=exc)
    except DomainError as exc:
        return json_error(exc.status, str(exc), exc=exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and the like pass through
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return json_error(exc.status, message, _passthrough_headers(exc))
    except (ConnectionResetError, TimeoutError):
        raise
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return json_error(500, "internal error")


def _passthrough_headers(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
