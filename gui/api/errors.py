"""Typed failures of the Event Manager client, each with a message a person understands."""

from __future__ import annotations


class ApiError(Exception):
    """Base of every failure the client reports. ``str(err)`` is meant for the user."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class ConfigurationError(ApiError):
    """The connection settings themselves are wrong (bad URL, plain HTTP to a remote host)."""


class AuthenticationError(ApiError):
    """The data center refused the client ID and secret, or a fresh token was refused too."""


class PermissionDenied(ApiError):
    """403: the API client lacks the event subscriber scope for this call."""


class BadRequest(ApiError):
    """400: the server rejected a parameter; the message says which."""


class NotFound(ApiError):
    """404: unknown path or object."""


class SubscriptionExists(ApiError):
    """409 on create: a subscription with this ID exists already."""


class RetryLater(ApiError):
    """429 with Retry-After: not the leader of the subscription, or rate limited."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, not_leader: bool, status: int = 429) -> None:
        super().__init__(message, status=status, code="notLeader" if not_leader else "rateLimited")
        self.retry_after = retry_after
        self.not_leader = not_leader


class ServerError(ApiError):
    """5xx from the service."""

    retryable = True


class NetworkError(ApiError):
    """The data center could not be reached, the connection dropped, or a call timed out."""

    retryable = True


class TlsError(ApiError):
    """The TLS handshake or certificate check failed."""


class MalformedResponse(ApiError):
    """The answer was not the JSON the contract describes (e.g. an HTML page from a proxy)."""

    retryable = True


def refused_for_sure(err: ApiError, attempt: int = 1) -> bool:
    """A create the server certainly did not carry out: it refused the request itself. The body
    (400, 422) is refused whatever came before; a refusal of the caller (401, 403) only settles it
    when no earlier attempt may have gone through."""
    if isinstance(err, BadRequest | ConfigurationError):
        return True
    return (
        attempt == 1
        and not err.retryable
        and isinstance(err, AuthenticationError | PermissionDenied | NotFound | TlsError)
    )
