"""Every failure becomes a JSON error with a 4xx status; nothing escapes as an HTML 500 or a dead server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from rooms.errors import DomainError, Unavailable
from server.auth import AuthError, ForbiddenError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AuthError as exc:
        return json_error(401, str(exc))
    except ForbiddenError as exc:
        return json_error(403, str(exc))
    except Unavailable as exc:
        return json_error(exc.status, str(exc), {"Retry-After": str(exc.retry_after_s)})
    except DomainError as exc:
        return json_error(exc.status, str(exc))
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
