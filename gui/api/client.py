"""The Event Manager API client: one keep-alive ``requests.Session`` per connection.

Every call has a timeout, tokens are cached until shortly before they expire, a 401 from Event
Manager gets one fresh token and one repeat, and every failure becomes a typed
:class:`~gui.api.errors.ApiError` whose message a person understands.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import math
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3

from gui.api import errors
from gui.api.durations import format_time, parse_duration
from gui.api.events import EMPTY, Events, MalformedEvents
from gui.api.models import POSITIONS, EventType, PollResult, Subscription, Topic
from gui.words import counted

log = logging.getLogger(__name__)

API_PATH = "/api/event_manager/v1"
TOKEN_PATHS = ("/api/2/idp/token", "/bc/idp/token")
CONNECT_TIMEOUT = 10.0
CALL_TIMEOUT = 30.0
POLL_READ_MARGIN = 15.0
DEADLINE_MARGIN = 10.0  # a whole answer must have arrived this long after its read timeout
TENANTS_PER_CALL = 100  # the Account Management API's batch of tenant IDs
MAX_BODY = 16 * 1024 * 1024  # an answer larger than this is refused (a poll is <= 100 events of <= 64 KB)
READ_CHUNK = 64 * 1024
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
    example = "expected e.g. https://eu2-cloud.acronis.com"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise errors.ConfigurationError(
            f"{url!r} is not a data center URL: it holds spaces or control characters; {example}"
        )
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.ConfigurationError(f"{url!r} is not a data center URL; {example}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # a user and password in the URL would be stored, shown and sent as Basic auth
        raise errors.ConfigurationError(
            f"A data center URL cannot hold a user name or password ({parts.scheme}://…@{parts.hostname}): "
            "give the API client's ID and secret separately"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise errors.ConfigurationError(f"{url!r} is not a data center URL: its port is not 1-65535; {example}")
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


MAX_RETRY_AFTER = 300.0  # a server asking to wait longer is waited on for 5 minutes, then asked again
DEFAULT_TOKEN_S = 7200.0  # tokens live 2 hours when the answer does not say
_BEARER = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token


def _retry_after(response: requests.Response, default: float = 1.0) -> float:
    """Retry-After in seconds, capped at MAX_RETRY_AFTER (inf, 1e308 or a year are not waited)."""
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return default
    if math.isnan(seconds):
        return default
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def token_lifetime(body: Mapping[str, Any], now: float | None = None) -> float:
    """Seconds the token answer says the token lives: ``expires_in`` (seconds from now) or
    ``expires_on`` (epoch seconds, as Acronis's own samples read it); the shorter when both are
    there; two hours when neither is a usable number (e.g. "soon")."""
    now = time.time() if now is None else now
    lifetimes = []
    for key, value in (("expires_in", body.get("expires_in")), ("expires_on", body.get("expires_on"))):
        try:
            number = float(value) if not isinstance(value, bool) and value is not None else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            if value is not None:
                log.info("token answer: %s is not a number of seconds; assuming %.0f s", key, DEFAULT_TOKEN_S)
            continue
        lifetimes.append(number - now if key == "expires_on" else number)
    if not lifetimes:
        return DEFAULT_TOKEN_S
    return max(0.0, min(lifetimes))


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
        self._token_expires_at: float | None = None  # epoch seconds the token in use expires
        self._token_lock = threading.Lock()
        self._token_path: str | None = None
        self._offsets_path_style = "query"  # OpenAPI path first; procedure path after a 404
        self.token_tenant_id: str | None = None

    def close(self) -> None:
        self._session.close()

    # -- transport ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, timeout: tuple[float, float], **kw: Any) -> requests.Response:
        """One request, its whole answer read within a deadline (the read timeout restarts on every
        byte, so a server dripping one byte a second would otherwise never time out) and at most
        MAX_BODY bytes of it (a server sending gigabytes would otherwise fill the memory)."""
        allowed = timeout[0] + timeout[1] + DEADLINE_MARGIN
        deadline = time.monotonic() + allowed
        try:
            response = self._session.request(method, url, timeout=timeout, stream=True, **kw)
            try:
                response._content = self._read_body(response, deadline, allowed)
            finally:
                response.close()
            return response
        except requests.exceptions.SSLError as err:
            raise errors.TlsError(
                f"TLS check failed for {self.dc_url}: {self.mask(_root_cause(err))}. "
                "The certificate is not trusted or the server is not who it claims to be."
            ) from err
        except requests.exceptions.Timeout as err:
            raise errors.NetworkError(f"{self.dc_url} did not answer in time ({self.mask(_root_cause(err))})") from err
        except requests.exceptions.ConnectionError as err:
            raise errors.NetworkError(f"Cannot reach {self.dc_url}: {self.mask(_root_cause(err))}") from err
        except requests.exceptions.RequestException as err:
            raise errors.NetworkError(f"Request to {self.dc_url} failed: {self.mask(_root_cause(err))}") from err
        except (urllib3.exceptions.HTTPError, OSError) as err:  # while reading the body
            raise errors.NetworkError(
                f"The answer from {self.dc_url} broke off: {self.mask(_root_cause(err))}"
            ) from err

    def _read_body(self, response: requests.Response, deadline: float, allowed: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        while True:
            if time.monotonic() > deadline:
                raise errors.NetworkError(
                    f"{self.dc_url} did not finish its answer within {allowed:.0f} s "
                    f"({counted(size, 'byte')} arrived); the connection was closed"
                )
            # what has arrived, at most one socket read: the deadline is checked between reads
            data = raw.read1(READ_CHUNK, decode_content=True)
            if not data:
                return b"".join(chunks)
            size += len(data)
            if size > MAX_BODY:
                raise errors.MalformedResponse(
                    f"The answer from {self.dc_url} is larger than {MAX_BODY // (1024 * 1024)} MB "
                    "(the API sends at most 100 events of 64 KB); it was not read further",
                    status=response.status_code,
                )
            chunks.append(data)

    # -- tokens ------------------------------------------------------------------------------

    def invalidate_token(self) -> None:
        with self._token_lock:
            self._token = None
            self._token_deadline = 0.0
            self._token_expires_at = None

    @property
    def token_expires_at(self) -> float | None:
        """When the access token in use expires (epoch seconds; None before the first). It is
        renewed shortly before; the token itself is never shown."""
        return self._token_expires_at

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
            if response.status_code == 429:  # the token endpoint's own rate limit: no leader involved
                wait = _retry_after(response, 5.0)
                raise errors.RetryLater(
                    f"the token endpoint limits the rate (retry in {math.ceil(wait)} s)",
                    retry_after=wait,
                    not_leader=False,
                )
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
            if not _BEARER.fullmatch(body["access_token"]):  # it goes into a header: never print it
                raise errors.MalformedResponse(
                    f"The token endpoint of {self.dc_url} answered with an access_token that is not a bearer "
                    "token (it holds spaces, line breaks or other characters a token cannot have)"
                )
            ttl = token_lifetime(body)
            margin = min(60.0, ttl * 0.1)
            self._token = body["access_token"]
            self._token_deadline = time.monotonic() + max(0.0, ttl - margin)
            self._token_expires_at = time.time() + ttl
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

    def mask(self, text: str) -> str:
        """``text`` with this connection's secret, its Basic credentials and its token hidden (a
        server's error message may echo the request's headers)."""
        basic = base64.b64encode(f"{self.client_id}:{self._secret}".encode()).decode()
        for secret in (self._secret, basic, self._token or ""):
            if len(secret) >= 4:
                text = text.replace(secret, "•••")
        return text

    def _error_detail(self, response: requests.Response) -> tuple[str, str | None]:
        try:
            body = orjson.loads(response.content)
            err = body.get("error") if isinstance(body, dict) else None
            if isinstance(err, dict):
                code = err.get("code")
                message = self.mask(str(err.get("message") or code or ""))
                return message[:500], (self.mask(code)[:100] if isinstance(code, str) else None)
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
            capped = " (the server asked for longer)" if retry >= MAX_RETRY_AFTER else ""
            raise errors.RetryLater(
                f"{reason} (retry in {math.ceil(retry)} s{capped})", retry_after=retry, not_leader=not_leader
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
        base: str | None = None,
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
                method, (base or self.base_url) + path, timeout=timeout, params=params, data=data, headers=headers
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

    # -- Account Management API (same data center, same token) -------------------------------

    def tenants(self, tenant_ids: Sequence[str], *, allow_deleted: bool = True) -> list[dict[str, Any]]:
        """The tenants of ``tenant_ids`` this client may see (``GET /api/2/tenants?uuids=``, at most
        100 a call): unknown or foreign IDs are simply absent. PermissionDenied when the client may
        not read tenants at all."""
        found: list[dict[str, Any]] = []
        ids = [t for t in dict.fromkeys(tenant_ids) if t]
        for start in range(0, len(ids), TENANTS_PER_CALL):
            batch = ids[start : start + TENANTS_PER_CALL]
            params = {"uuids": ",".join(batch), "allow_deleted": "true" if allow_deleted else "false"}
            what = f"reading the names of {counted(len(batch), 'tenant')}"
            body = self._object(
                self._call("GET", "/api/2/tenants", what, params=params, base=self.dc_url), what, "items"
            )
            items = body["items"]
            if not isinstance(items, list):
                raise errors.MalformedResponse(f"The answer to {what} has no list of items")
            found += [t for t in items if isinstance(t, dict) and isinstance(t.get("id"), str)]
        return found

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
