"""The Event Manager API client: one keep-alive ``requests.Session`` per connection.

Every call has a timeout, tokens are cached until shortly before they expire, a 401 from Event
Manager gets one fresh token and one repeat, and every failure becomes a typed
:class:`~gui.api.errors.ApiError` whose message a person understands.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from gui.api import errors
from gui.api.durations import format_time, parse_duration
from gui.api.events import EMPTY, Events, MalformedEvents
from gui.api.models import POSITIONS, EventType, PollResult, Subscription, Topic

log = logging.getLogger(__name__)

API_PATH = "/api/event_manager/v1"
TOKEN_PATHS = ("/api/2/idp/token", "/bc/idp/token")
CONNECT_TIMEOUT = 10.0
CALL_TIMEOUT = 30.0
POLL_READ_MARGIN = 15.0
USER_AGENT = "event-monitor/0.1"


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_dc_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Check a data center URL and return it without a trailing slash or path.

    HTTPS always; plain HTTP only to a loopback address (the emulator) unless explicitly allowed.
    """
    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.ConfigurationError(
            f"{url!r} is not a data center URL; expected e.g. https://eu2-cloud.acronis.com"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not allow_insecure_http:
        raise errors.ConfigurationError(
            f"{text} uses plain HTTP: your secret and events would cross the network unencrypted. "
            "Use https://, or pass --insecure-http if you really mean it."
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        log.warning("Using plain HTTP to %s: credentials and events are not encrypted", parts.hostname)
    path = parts.path.rstrip("/")
    if path.endswith(API_PATH):
        path = path[: -len(API_PATH)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _retry_after(response: requests.Response, default: float = 1.0) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


class EventManagerClient:
    """Typed calls of the Event Manager API for one data center and API client."""

    def __init__(
        self,
        dc_url: str,
        client_id: str,
        client_secret: str,
        *,
        session: requests.Session | None = None,
        allow_insecure_http: bool = False,
        timeout: float = CALL_TIMEOUT,
    ) -> None:
        self.dc_url = normalize_dc_url(dc_url, allow_insecure_http=allow_insecure_http)
        self.base_url = self.dc_url + API_PATH
        self.client_id = client_id
        self._secret = client_secret
        self._timeout = timeout
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        # The environment (proxies, no_proxy, a CA bundle) is read once here, not on every request:
        # requests would re-scan os.environ and stat ~/.netrc on each of the ~100 polls a second a
        # busy stream needs, which cost more than decoding the events.
        self._session.proxies.update(requests.utils.get_environ_proxies(self.dc_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self._session.verify = bundle or True  # never False: TLS is always verified
        self._session.trust_env = False
        self._token: str | None = None
        self._token_deadline = 0.0
        self._token_lock = threading.Lock()
        self._token_path: str | None = None
        self._offsets_path_style = "query"  # OpenAPI path first; procedure path after a 404
        self.token_tenant_id: str | None = None

    def close(self) -> None:
        self._session.close()

    # -- transport ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, timeout: float | tuple[float, float], **kw: Any) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=timeout, **kw)
        except requests.exceptions.SSLError as err:
            raise errors.TlsError(
                f"TLS check failed for {self.dc_url}: {_root_cause(err)}. "
                "The certificate is not trusted or the server is not who it claims to be."
            ) from err
        except requests.exceptions.Timeout as err:
            raise errors.NetworkError(f"{self.dc_url} did not answer in time ({_root_cause(err)})") from err
        except requests.exceptions.ConnectionError as err:
            raise errors.NetworkError(f"Cannot reach {self.dc_url}: {_root_cause(err)}") from err
        except requests.exceptions.RequestException as err:
            raise errors.NetworkError(f"Request to {self.dc_url} failed: {_root_cause(err)}") from err

    # -- tokens ------------------------------------------------------------------------------

    def invalidate_token(self) -> None:
        with self._token_lock:
            self._token = None
            self._token_deadline = 0.0

    def token(self) -> str:
        """A valid access token, fetched by client credentials when missing or about to expire."""
        with self._token_lock:
            if self._token and time.monotonic() < self._token_deadline:
                return self._token
            paths = [self._token_path] if self._token_path else list(TOKEN_PATHS)
            for index, path in enumerate(paths):
                response = self._send(
                    "POST",
                    self.dc_url + path,
                    timeout=(CONNECT_TIMEOUT, self._timeout),
                    data={"grant_type": "client_credentials"},
                    auth=(self.client_id, self._secret),
                    headers={"Accept": "application/json"},
                )
                if response.status_code == 404 and index + 1 < len(paths):
                    continue
                break
            if response.status_code in (400, 401):
                raise errors.AuthenticationError(
                    f"{self.dc_url} refused the client ID and secret (HTTP {response.status_code}). "
                    "Check them, and that the API client is not disabled.",
                    status=response.status_code,
                )
            self._raise_for_status(response, "getting an access token")
            body = self._json(response, "token")
            if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
                raise errors.MalformedResponse(f"The token endpoint of {self.dc_url} answered without an access_token")
            ttl = float(body.get("expires_in") or 7200)
            margin = min(60.0, ttl * 0.1)
            self._token = body["access_token"]
            self._token_deadline = time.monotonic() + max(0.0, ttl - margin)
            self._token_path = path
            return self._token

    # -- responses ---------------------------------------------------------------------------

    def _json(self, response: requests.Response, what: str) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as err:
            kind = response.headers.get("Content-Type", "unknown content")
            raise errors.MalformedResponse(
                f"The answer to {what} was not JSON (HTTP {response.status_code}, {kind}); "
                "a proxy or captive portal may be in the way.",
                status=response.status_code,
            ) from err

    def _error_detail(self, response: requests.Response) -> tuple[str, str | None]:
        try:
            body = orjson.loads(response.content)
            err = body.get("error") if isinstance(body, dict) else None
            if isinstance(err, dict):
                return str(err.get("message") or err.get("code") or ""), err.get("code")
        except (orjson.JSONDecodeError, AttributeError):
            pass
        return "", None

    def _raise_for_status(self, response: requests.Response, what: str) -> None:
        status = response.status_code
        if status < 400:
            return
        detail, code = self._error_detail(response)
        suffix = f": {detail}" if detail else ""
        if status == 401:
            raise errors.AuthenticationError(
                f"Not authenticated while {what}{suffix}. The token was refused even after renewal.",
                status=status,
                code=code,
            )
        if status == 403:
            raise errors.PermissionDenied(
                f"Permission denied while {what}: this API client lacks the event subscriber scope{suffix}",
                status=status,
                code=code,
            )
        if status == 404:
            raise errors.NotFound(f"Not found while {what}{suffix}", status=status, code=code)
        if status == 409:
            raise errors.SubscriptionExists(f"Already exists{suffix}", status=status, code=code)
        if status == 429:
            not_leader = code != "rateLimited"
            retry = _retry_after(response)
            reason = "standby: another instance is the leader" if not_leader else "rate limited by the server"
            raise errors.RetryLater(
                f"{reason} (retry in {math.ceil(retry)} s)", retry_after=retry, not_leader=not_leader
            )
        if status >= 500:
            raise errors.ServerError(f"Server error {status} while {what}{suffix}", status=status, code=code)
        raise errors.BadRequest(f"The server rejected {what} (HTTP {status}){suffix}", status=status, code=code)

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        read_timeout: float | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        timeout = (CONNECT_TIMEOUT, read_timeout or self._timeout)
        for attempt in (1, 2):
            headers["Authorization"] = "Bearer " + self.token()
            response = self._send(
                method, self.base_url + path, timeout=timeout, params=params, data=data, headers=headers
            )
            if response.status_code == 401 and attempt == 1:
                log.info("Token refused (401) while %s; renewing it once", what)
                self.invalidate_token()
                continue
            break
        if response.status_code not in ok:
            self._raise_for_status(response, what)
        return response

    def _object(self, response: requests.Response, what: str, *keys: str) -> dict[str, Any]:
        body = self._json(response, what)
        if not isinstance(body, dict) or any(k not in body for k in keys):
            raise errors.MalformedResponse(
                f"The answer to {what} does not have the expected fields ({', '.join(keys)})",
                status=response.status_code,
            )
        return body

    def _list(self, response: requests.Response, what: str) -> list[dict[str, Any]]:
        body = self._json(response, what)
        if not isinstance(body, list) or not all(isinstance(x, dict) and "id" in x for x in body):
            raise errors.MalformedResponse(f"The answer to {what} is not a list of objects with IDs")
        return body

    # -- calls of the contract ---------------------------------------------------------------

    def topics(self, topic_id: str | None = None) -> list[Topic]:
        params = {"topic_id": topic_id} if topic_id else None
        return [
            Topic.from_json(t)
            for t in self._list(self._call("GET", "/topics", "listing topics", params=params), "listing topics")
        ]

    def types(self, topic_id: str | None = None, *, include_schema: bool = False) -> list[EventType]:
        params: dict[str, Any] = {}
        if topic_id:
            params["topic_id"] = topic_id
        if include_schema:
            params["include_schema"] = "true"
        what = "listing event types"
        try:
            return [EventType.from_json(t) for t in self._list(self._call("GET", "/types", what, params=params), what)]
        except (KeyError, TypeError) as err:
            raise errors.MalformedResponse(f"The answer to {what} lacks a field: {err}") from err

    def topic_offset(self, topic_id: str, position: str, timestamp: str | None = None) -> int:
        """Offset of a topic at EARLIEST, CURRENT or TIMESTAMP (RFC 3339 ``timestamp``).

        Uses the OpenAPI path ``/topics/offsets`` and falls back to the procedure's
        ``/topics/{topic_id}/offsets`` on a 404 (remembered for the next calls).
        """
        position = position.upper()
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}")
        params: dict[str, Any] = {"topic_id": topic_id, "position": position}
        if position == "TIMESTAMP":
            if not timestamp:
                raise ValueError("a TIMESTAMP position needs a time")
            params["timestamp"] = timestamp
        what = f"getting the {position.lower()} offset of {topic_id}"
        styles = [self._offsets_path_style] + (["path"] if self._offsets_path_style == "query" else [])
        for style in styles:
            path = "/topics/offsets" if style == "query" else f"/topics/{topic_id}/offsets"
            try:
                response = self._call("GET", path, what, params=params)
            except errors.NotFound:
                if style == styles[-1]:
                    raise
                continue
            self._offsets_path_style = style
            return _int(self._object(response, what, "offset")["offset"], what)
        raise AssertionError("unreachable")

    def create_subscription(self, subscription: Subscription) -> Subscription:
        """Create a subscription; :class:`~gui.api.errors.SubscriptionExists` on a 409."""
        what = f"creating subscription {subscription.subscription_id}"
        try:
            response = self._call("POST", "/subscriptions", what, body=subscription.to_json(), ok=(200, 201))
        except errors.SubscriptionExists as err:
            raise errors.SubscriptionExists(
                f"Subscription {subscription.subscription_id} already exists on the server; "
                "add it by ID instead of creating it.",
                status=409,
            ) from err
        if not response.content:
            return subscription
        try:
            return Subscription.from_json(self._object(response, what, "subscription_id", "topic_id", "types"))
        except (ValueError, TypeError) as err:
            raise errors.MalformedResponse(f"The answer to {what} is not a valid subscription: {err}") from err

    def committed_offset(self, subscription_id: str) -> int:
        what = f"getting the committed offset of {subscription_id}"
        response = self._call("GET", "/subscriptions/offset", what, params={"subscription_id": subscription_id})
        return _int(self._object(response, what, "offset")["offset"], what)

    def commit_offset(self, subscription_id: str, offset: int) -> None:
        what = f"committing offset {offset} of {subscription_id}"
        self._call(
            "POST",
            "/subscriptions/offset",
            what,
            body={"subscription_id": subscription_id, "offset": int(offset)},
            ok=(200, 201, 202, 204),
        )

    def poll(
        self,
        subscription_id: str,
        consumer_id: str,
        offset: int,
        *,
        limit: int = 100,
        timeout: str = "PT30S",
    ) -> PollResult:
        """One long-poll of ``GET /events``. 202 or an empty 200 both give a result with no events."""
        wait = parse_duration(timeout)
        params = {
            "subscription_id": subscription_id,
            "consumer_id": consumer_id,
            "offset": int(offset),
            "limit": int(limit),
            "timeout": timeout,
        }
        what = "polling events"
        response = self._call(
            "GET", "/events", what, params=params, read_timeout=wait + POLL_READ_MARGIN, ok=(200, 202)
        )
        if response.status_code == 202:
            return PollResult(events=EMPTY, offset=int(offset), status=202, retry_after=_retry_after(response))
        try:
            events, next_offset = Events.decode(response.content)
        except MalformedEvents as err:
            self._object(response, what, "events", "offset")  # not JSON / not an object: its own message
            raise errors.MalformedResponse(
                f"The answer to {what} does not hold events with an integer sequence and offset ({err})",
                status=response.status_code,
            ) from None
        return PollResult(events=events, offset=next_offset, status=200)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.MalformedResponse(f"The answer to {what} has a non-integer offset: {value!r}")
    return value


def _root_cause(err: BaseException) -> str:
    seen = err
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    text = str(seen) or type(seen).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return text


__all__ = ["EventManagerClient", "format_time", "normalize_dc_url"]
