"""Domain errors, in one place. The web layer maps each to a JSON 4xx response."""


class DomainError(Exception):
    status = 400
    code = "invalid_input"  # stable, machine-read beside the English message (server/errors.py)


class InvalidInput(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unavailable(DomainError):
    """The node cannot take this now (at capacity, shutting down); the client should retry later."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyRequests(Unavailable):
    """This caller asked too often (offers, viewers, failed sign-ins); it may retry after a pause."""

    status = 429
