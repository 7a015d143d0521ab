"""A faithful local Event Manager: a real HTTP server on loopback with the contract's semantics.

It serves both topic-offset paths, 200-empty or 202 for empty long-polls, leadership with 429 +
Retry-After, auto-commit, token expiry (401), and 400 with the contract's error body for bad
parameters. Tests may inject faults (500, dropped connection, HTML page, 429) into ``/events``.
"""

from __future__ import annotations

import base64
import logging
import math
import re
import secrets
import select
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from gui.api.durations import format_time, parse_time
from gui.api.models import is_cti, is_uuid, type_matches
from gui.emulator import accounts
from gui.emulator.subscriptions import HttpError, SubscriptionState, check_subscription, duration
from gui.emulator.topics import StoredEvent, TopicLog
from gui.emulator.world import TASK_TOPIC, TENANT_TOPIC, TOPICS, USER_TOPIC, EventFactory, event_types, history_times

log = logging.getLogger(__name__)

API = "/api/event_manager/v1"
SUBSCRIBER_SCOPE = "urn:acronis.com:event_manager::subscriber"
WORLDS = ("simple", "datacenter")
FAULTS = ("500", "503", "drop", "html", "badjson", "429", "401")


@dataclass
class ClientInfo:
    secret: str
    tenant_id: str
    scopes: tuple[str, ...] = (SUBSCRIBER_SCOPE, accounts.READ_TENANTS_SCOPE)


class EmulatorState:
    """Everything the emulator knows; thread-safe behind one condition variable."""

    def __init__(
        self,
        *,
        seed: int = 1,
        history: int = 1000,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_ttl: float = 7200,
        empty_status: int = 200,
        max_session_timeout: float = 600,
        token_paths: tuple[str, ...] = ("/api/2/idp/token", "/bc/idp/token"),
        offset_paths: tuple[str, ...] = ("query", "path"),
        replay: int = 0,
        max_events: int | None = None,
        names_in_payloads: bool = True,
        token_expiry: str = "expires_in",
        world: str = "simple",
        partners: int = 4,
        non_persistent: tuple[str, ...] = (),
    ) -> None:
        if world not in WORLDS:
            raise ValueError(f"world must be one of {', '.join(WORLDS)}")
        if not 1 <= partners <= 64:
            raise ValueError("partners must be between 1 and 64")
        # "datacenter": the topic the data center shares with `partners` partners (the client's one
        # of them: its sequences are sparse) and TTS consolidation where the topic says so;
        # "simple": one partner, every sequence the client's, nothing consolidated
        self.world = world
        if token_expiry not in ("expires_in", "expires_on", "both"):
            raise ValueError("token_expiry must be expires_in, expires_on or both")
        self.token_expiry = token_expiry  # which expiry field the token answer carries
        self.tenant_calls = 0  # Account Management tenant look-ups answered
        self.expired_tokens_seen = 0  # calls refused because their token had expired
        self.token_paths = token_paths
        self.offset_paths = offset_paths
        rng_seed = seed
        self.factory = EventFactory(seed=rng_seed, partners=partners if world == "datacenter" else 1)
        # without names in payloads the monitor must ask the Account Management API for them
        self.factory.names_in_payloads = names_in_payloads
        self.tenant_id = self.factory.tree.root.id
        self.client_id = client_id or str(uuid.UUID(int=self.factory.rng.getrandbits(128), version=4))
        self.client_secret = client_secret or secrets.token_urlsafe(18)
        self.clients: dict[str, ClientInfo] = {self.client_id: ClientInfo(self.client_secret, self.tenant_id)}
        self.token_ttl = token_ttl
        self.empty_status = empty_status
        self.max_session_timeout = max_session_timeout
        self.tokens: dict[str, tuple[str, float]] = {}
        self.topics = {
            topic: TopicLog(
                topic,
                max_events,
                consolidate=world == "datacenter" and TOPICS[topic]["producer_consolidation"] == "TTS",
            )
            for topic in (TENANT_TOPIC, USER_TOPIC, TASK_TOPIC)
        }
        # the topics' properties as served; `non_persistent` ones say persistency false (their
        # events are delivered live and not kept: a consumer that was away misses them)
        self.topic_info = {t: dict(TOPICS[t], persistency=t not in non_persistent) for t in TOPICS}
        self.types = event_types()
        self.subscriptions: dict[str, SubscriptionState] = {}
        self.faults: deque[str] = deque()
        self.cond = threading.Condition()
        self.tokens_issued = 0
        now = datetime.now(UTC)
        for when in history_times(history, now, spacing=2.0):
            self._produce_one(when, ingest=when)
        # live events made from `replay` pre-generated payloads (new event IDs and times): cheap
        # enough for one process to produce 10,000+ events/s, for load tests
        self._pool = [self.factory.tenant_event(now) for _ in range(replay)]
        self._pool_next = 0

    # -- producing ---------------------------------------------------------------------------

    def _produce_one(self, when: datetime, ingest: datetime | None = None) -> StoredEvent:
        """One tenant event (the rate and history count these), and now and then a user event."""
        rng = self.factory.rng
        if rng.random() < 0.1:
            self.topics[USER_TOPIC].append(self.factory.user_event(when), ingest or when)
        delay = rng.uniform(0.005, 0.4)
        body = self.factory.tenant_event(when)
        return self.topics[TENANT_TOPIC].append(body, ingest or datetime.fromtimestamp(when.timestamp() + delay, UTC))

    def produce(self, count: int = 1) -> None:
        with self.cond:
            for _ in range(count):
                if self._pool:
                    self._replay_one(datetime.now(UTC))
                else:
                    self._produce_one(datetime.now(UTC))
            self.cond.notify_all()

    def _replay_one(self, when: datetime) -> StoredEvent:
        """A copy of a pooled payload as a new event: new ID, time and sequence (much cheaper than
        generating one, which matters at 10,000 events/s)."""
        body = self._pool[self._pool_next % len(self._pool)]
        self._pool_next += 1
        event = dict(body, id=str(uuid.UUID(int=self.factory.rng.getrandbits(128), version=4)), time=format_time(when))
        return self.topics[TENANT_TOPIC].append(event, when, when)

    def add_client(
        self, client_id: str, secret: str, *, scopes: tuple[str, ...] = (SUBSCRIBER_SCOPE, accounts.READ_TENANTS_SCOPE)
    ) -> None:
        with self.cond:
            self.clients[client_id] = ClientInfo(secret, self.tenant_id, scopes)

    def hand_over(self, subscription_id: str, consumer_id: str) -> None:
        """Another instance (``consumer_id``) leads the subscription from now on, as when the data
        center moved leadership: the instance reading it is on standby until the new leader's
        session times out (it does not poll, so after one session timeout)."""
        with self.cond:
            sub = self.subscriptions[subscription_id.lower()]
            sub.leader, sub.leader_seen = consumer_id, time.monotonic()
            self.cond.notify_all()

    def inject(self, *faults: str) -> None:
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
        with self.cond:
            self.faults.extend(faults)

    # -- auth --------------------------------------------------------------------------------

    def issue_token(self, authorization: str | None, form: dict[str, list[str]]) -> dict[str, Any]:
        if (form.get("grant_type") or [""])[0] != "client_credentials":
            raise HttpError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        client_id = secret = ""
        if authorization and authorization.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                pass
        else:
            client_id = (form.get("client_id") or [""])[0]
            secret = (form.get("client_secret") or [""])[0]
        with self.cond:
            info = self.clients.get(client_id)
            if info is None or not secrets.compare_digest(info.secret, secret):
                raise HttpError(401, "invalid_client", "Client authentication failed")
            token = secrets.token_urlsafe(32)
            self.tokens_issued += 1
            self.tokens[token] = (client_id, time.monotonic() + self.token_ttl)
        expiry: dict[str, int] = {}
        if self.token_expiry in ("expires_in", "both"):
            expiry["expires_in"] = math.ceil(self.token_ttl)
        if self.token_expiry in ("expires_on", "both"):  # absolute, as Acronis's own samples read it
            expiry["expires_on"] = math.floor(time.time() + self.token_ttl)
        return {"access_token": token, "token_type": "bearer", **expiry, "id_token": "", "scope": " ".join(info.scopes)}

    def authenticate(self, authorization: str | None) -> ClientInfo:
        if not authorization or not authorization.startswith("Bearer "):
            raise HttpError(401, "unauthenticated", "Method requires an authenticated user: no bearer token")
        with self.cond:
            entry = self.tokens.get(authorization[7:].strip())
            if entry is None:
                raise HttpError(401, "unauthenticated", "Unknown or revoked access token")
            client_id, deadline = entry
            if time.monotonic() >= deadline:
                del self.tokens[authorization[7:].strip()]
                self.expired_tokens_seen += 1
                raise HttpError(401, "tokenExpired", "The access token has expired")
            return self.clients[client_id]

    @staticmethod
    def require_subscriber(client: ClientInfo) -> None:
        if SUBSCRIBER_SCOPE not in client.scopes:
            raise HttpError(403, "forbidden", "The API client lacks the event_manager subscriber scope")


def _error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"error": {"domain": "EventManager", "code": code, "message": message}})


def _one(query: dict[str, list[str]], name: str, *, required: bool = False) -> str | None:
    values = query.get(name)
    if not values:
        if required:
            raise HttpError(400, "badRequest", f"Missing required parameter {name}")
        return None
    return values[-1]


def _uuid_param(query: dict[str, list[str]], name: str) -> str:
    value = _one(query, name, required=True) or ""
    if not is_uuid(value):
        raise HttpError(400, "badRequest", f"Parameter {name} is not a UUID: {value[:80]!r}")
    return value.lower()


def _int_param(query: dict[str, list[str]], name: str, *, required: bool = False, default: int = 0) -> int:
    value = _one(query, name, required=required)
    if value is None:
        return default
    if not re.fullmatch(r"-?\d{1,19}", value.strip()):
        raise HttpError(400, "badRequest", f"Parameter {name} is not an integer: {value[:80]!r}")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise HttpError(400, "badRequest", f"Parameter {name} is out of range")
    return number


def _topic_param(state: EmulatorState, value: str | None, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise HttpError(400, "badRequest", "Missing required parameter topic_id")
        return None
    if len(value) > 1024 or not is_cti(value):
        raise HttpError(400, "badRequest", f"topic_id is not a CTI identifier: {value[:80]!r}")
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)

    # -- plumbing ----------------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, ctype: str = "application/json"
    ) -> None:
        self.send_response(status)
        if body or status not in (204,):
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, orjson.dumps(obj), headers)

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length or not length.isdigit():
            return b""
        size = int(length)
        if size > 1024 * 1024:
            raise HttpError(413, "tooLarge", "Request body too large")
        return self.rfile.read(size)

    def _route(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path.rstrip("/") or "/"
        try:
            body = self._body()  # always drained, so a keep-alive connection stays in step
            if path in state.token_paths:
                self._allow(method, "POST")
                form = parse_qs(body.decode("utf-8", "replace"))
                self._json(
                    200, state.issue_token(self.headers.get("Authorization"), form), {"Cache-Control": "no-store"}
                )
                return
            if path.startswith(("/api/2/tenants", "/api/2/clients/")):  # Account Management: tenants and clients
                self._allow(method, "GET")
                client = state.authenticate(self.headers.get("Authorization"))
                self._json(*accounts.route(state, client, path, query))
                return
            if not path.startswith(API + "/"):
                raise HttpError(404, "notFound", f"No such path: {path}")
            route = path[len(API) :]
            handler = self._match(route, method)
            client = state.authenticate(self.headers.get("Authorization"))
            handler(state, client, query, body)
        except HttpError as err:
            headers = dict(err.headers)
            if err.status == 413:
                self.close_connection = True  # the body was not read
            if err.status == 401 and "/idp/token" not in path:
                headers["WWW-Authenticate"] = 'Bearer realm="event_manager"'
            self._send(err.status, _error_body(err.code, err.message), headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug in the emulator: answer 500 as the real service would
            log.exception("emulator error on %s %s", method, self.path)
            self._send(500, _error_body("internalError", "Internal service error"))

    def _allow(self, method: str, *allowed: str) -> None:
        if method not in allowed:
            raise HttpError(405, "methodNotAllowed", f"{method} is not allowed here", {"Allow": ", ".join(allowed)})

    def _match(self, route: str, method: str) -> Any:
        table: dict[str, dict[str, Any]] = {
            "/topics": {"GET": self.get_topics},
            "/types": {"GET": self.get_types},
            "/topics/offsets": {"GET": self.get_topic_offset},
            "/subscriptions": {"POST": self.post_subscription},
            "/subscriptions/offset": {"GET": self.get_committed, "POST": self.post_commit},
            "/events": {"GET": self.get_events},
        }
        if route == "/topics/offsets" and "query" not in self.server.state.offset_paths:
            raise HttpError(404, "notFound", f"No such path: {API}{route}")
        methods = table.get(route)
        if methods is None and "path" in self.server.state.offset_paths:
            match = re.fullmatch(r"/topics/([^/]+)/offsets", route)
            if match:
                topic = match.group(1)
                methods = {"GET": lambda st, cl, q, b: self.get_topic_offset(st, cl, dict(q, topic_id=[topic]), b)}
        if methods is None:
            raise HttpError(404, "notFound", f"No such path: {API}{route}")
        self._allow(method, *methods)
        return methods[method]

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def __getattr__(self, name: str) -> Any:
        """Any other method (HEAD, TRACE, QUERY...) gets a 405 with Allow, as the real service."""
        if name.startswith("do_") and name[3:].isupper():
            return lambda: self._route(name[3:])
        raise AttributeError(name)

    # -- the API -----------------------------------------------------------------------------

    def get_topics(self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes) -> None:
        topic = _topic_param(state, _one(query, "topic_id"), required=False)
        self._json(200, [t for t in state.topic_info.values() if topic is None or t["id"] == topic])

    def get_types(self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes) -> None:
        topic = _topic_param(state, _one(query, "topic_id"), required=False)
        type_id = _one(query, "type_id")
        if type_id is not None and (len(type_id) > 1024 or not is_cti(type_id)):
            raise HttpError(400, "badRequest", f"type_id is not a CTI identifier: {type_id[:80]!r}")
        include = (_one(query, "include_schema") or "false").lower()
        if include not in ("true", "false", "1", "0"):
            raise HttpError(400, "badRequest", "include_schema must be true or false")
        out = []
        for t in state.types:
            if (topic and t["topic_id"] != topic) or (type_id and t["id"] != type_id):
                continue
            item = dict(t)
            if include not in ("true", "1"):
                item.pop("data_schema")
            out.append(item)
        self._json(200, out)

    def get_topic_offset(
        self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes
    ) -> None:
        topic = _topic_param(state, _one(query, "topic_id"), required=True)
        position = (_one(query, "position", required=True) or "").upper()
        if position not in ("EARLIEST", "CURRENT", "TIMESTAMP"):
            raise HttpError(400, "badRequest", "position must be EARLIEST, CURRENT or TIMESTAMP")
        assert topic is not None
        log_ = state.topics.get(topic)
        if log_ is None:
            raise HttpError(404, "notFound", f"Unknown topic {topic}")
        with state.cond:
            if position == "EARLIEST":
                offset = log_.first_sequence - 1
            elif position == "CURRENT":
                offset = log_.last_sequence
            else:
                raw = _one(query, "timestamp", required=True) or ""
                try:
                    when = parse_time(raw)
                except ValueError as err:
                    raise HttpError(400, "badRequest", f"timestamp is not an RFC 3339 time: {raw[:80]!r}") from err
                # the offset from which a poll returns the first event at or after `when`
                offset = log_.last_sequence
                for event in log_.events:
                    if event.time >= when and not event.replaced:
                        offset = event.sequence - 1
                        break
        self._json(200, {"topic_id": topic, "offset": offset})

    def post_subscription(
        self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes
    ) -> None:
        state.require_subscriber(client)
        try:
            spec = orjson.loads(body or b"null")
        except orjson.JSONDecodeError as err:
            raise HttpError(400, "badRequest", "The body is not JSON") from err
        if not isinstance(spec, dict):
            raise HttpError(400, "badRequest", "The body must be a JSON object")
        spec, tenant, session, cel, types = check_subscription(
            spec, set(state.topics), client.tenant_id, state.max_session_timeout
        )
        sub_id = str(spec["subscription_id"]).lower()
        with state.cond:
            if sub_id in state.subscriptions:
                raise HttpError(409, "alreadyExists", f"Subscription {sub_id} already exists")
            stored = dict(spec, subscription_id=sub_id)
            stored.setdefault("session_timeout", "PT30S")
            stored.setdefault("auto_commit", False)
            stored.setdefault("tenant_id", tenant)
            state.subscriptions[sub_id] = SubscriptionState(
                spec=stored,
                root_tenant=tenant.lower(),
                session_timeout=session,
                cel=cel,
                types=tuple(types),
            )
        self._json(201, stored)

    def _subscription(self, state: EmulatorState, query: dict[str, list[str]]) -> tuple[str, SubscriptionState]:
        sub_id = _uuid_param(query, "subscription_id")
        sub = state.subscriptions.get(sub_id)
        if sub is None:
            raise HttpError(404, "notFound", f"Unknown subscription {sub_id}")
        return sub_id, sub

    def get_committed(self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes) -> None:
        state.require_subscriber(client)
        sub_id, sub = self._subscription(state, query)
        self._json(200, {"subscription_id": sub_id, "offset": sub.committed})

    def post_commit(self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes) -> None:
        state.require_subscriber(client)
        try:
            obj = orjson.loads(body or b"null")
        except orjson.JSONDecodeError as err:
            raise HttpError(400, "badRequest", "The body is not JSON") from err
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("subscription_id"), str)
            or not isinstance(obj.get("offset"), int)
        ):
            raise HttpError(400, "badRequest", 'Body must be {"subscription_id": UUID, "offset": integer}')
        sub_id, sub = self._subscription(state, {"subscription_id": [obj["subscription_id"]]})
        offset = obj["offset"]
        topic = state.topics[sub.spec["topic_id"]]
        if offset < 0 or offset > topic.last_sequence:
            raise HttpError(400, "badOffset", f"Offset {offset} is outside the topic (0..{topic.last_sequence})")
        with state.cond:
            sub.committed = offset
        self._json(200, {"subscription_id": sub_id, "offset": offset})

    def _matches(self, state: EmulatorState, sub: SubscriptionState, event: StoredEvent) -> bool:
        if not any(type_matches(p, event.type) for p in sub.types):
            return False
        if not state.factory.tree.in_scope(event.tenant_id, sub.root_tenant, sub.spec["tenant_depth"]):
            return False
        return sub.cel is None or sub.cel.matches(event.body)

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable:
                return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except (OSError, ValueError):
            return True
        return False

    def get_events(self, state: EmulatorState, client: ClientInfo, query: dict[str, list[str]], body: bytes) -> None:
        state.require_subscriber(client)
        sub_id, sub = self._subscription(state, query)
        consumer = _uuid_param(query, "consumer_id")
        offset = _int_param(query, "offset", required=True)
        limit = _int_param(query, "limit", default=100)
        if limit < 1:
            raise HttpError(400, "badRequest", "limit must be at least 1")
        limit = min(limit, 100)
        wait = duration(_one(query, "timeout") or "PT30S", "timeout")
        wait = min(wait, sub.session_timeout)
        topic = state.topics[sub.spec["topic_id"]]
        if offset < 0 or offset > topic.last_sequence:
            raise HttpError(400, "badOffset", f"Offset {offset} is beyond the end of the topic ({topic.last_sequence})")

        with state.cond:
            if state.faults:
                fault = state.faults.popleft()
                self._fault(fault)
                return
            now = time.monotonic()
            held = (
                sub.leader is not None
                and sub.leader != consumer
                and (sub.leader_polls > 0 or now - sub.leader_seen < sub.session_timeout)
            )
            if held:
                remaining = (
                    sub.session_timeout - (now - sub.leader_seen) if sub.leader_polls == 0 else sub.session_timeout
                )
                retry = max(1, min(5, math.ceil(remaining)))
                raise HttpError(
                    429,
                    "notLeader",
                    f"Consumer {consumer} is not the leader of subscription {sub_id}",
                    {"Retry-After": str(retry)},
                )
            sub.leader, sub.leader_seen = consumer, now
            sub.leader_polls += 1
            if sub.spec.get("auto_commit"):
                sub.committed = offset
        try:
            deadline = time.monotonic() + wait
            scanned = offset  # the last sequence looked at (an index would shift when old events go)
            batch: list[StoredEvent] = []
            with state.cond:
                while True:
                    events = topic.events
                    i = topic.index_after(scanned)
                    while i < len(events) and len(batch) < limit:
                        event = events[i]
                        i += 1
                        scanned = event.sequence
                        if not event.replaced and self._matches(state, sub, event):
                            batch.append(event)
                    left = deadline - time.monotonic()
                    if batch or left <= 0:
                        break
                    state.cond.wait(min(left, 0.25))
                    if self._client_gone():
                        self.close_connection = True
                        return
        finally:
            with state.cond:
                sub.leader_polls -= 1
                if sub.leader == consumer:
                    sub.leader_seen = time.monotonic()
        if not batch:
            if state.empty_status == 202:
                self._send(202, b"", {"Retry-After": "1"})
                return
            self._send(200, b'{"events":[],"offset":%d}' % offset)
            return
        next_offset = batch[-1].sequence
        self._send(200, b'{"events":[' + b",".join(e.raw for e in batch) + b'],"offset":%d}' % next_offset)

    def _fault(self, fault: str) -> None:
        if fault in ("500", "503"):
            self._send(int(fault), _error_body("internalError", "Injected server error"))
        elif fault == "429":
            self._send(429, _error_body("rateLimited", "Too many requests"), {"Retry-After": "1"})
        elif fault == "401":
            self._send(401, _error_body("tokenExpired", "Injected token expiry"))
        elif fault == "html":
            self._send(200, b"<html><body>Proxy login required</body></html>", ctype="text/html")
        elif fault == "badjson":
            self._send(200, b'{"events": [{"no_sequence": true}], "offset": "x"}')
        elif fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, state: EmulatorState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.lock = threading.Lock()
        self.connections: set[socket.socket] = set()  # open client connections (keep-alive ones included)
        super().__init__((host, port), Handler)

    def go_away(self) -> None:
        """Stop serving, close the listening socket and reset every open connection, as a server
        that goes away does: a client waiting on a long-poll or holding a keep-alive connection
        sees the failure at once."""
        self.shutdown()
        self.server_close()
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


class Emulator:
    """The emulator with its own serving thread and an optional producer of live events."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, rate: float = 0.0, **state_options: Any) -> None:
        self.state = EmulatorState(**state_options)
        self.server = EmulatorServer(self.state, host, port)
        self.rate = rate
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def client_id(self) -> str:
        return self.state.client_id

    @property
    def client_secret(self) -> str:
        return self.state.client_secret

    def start(self) -> Emulator:
        serve = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, name="emulator-http", daemon=True
        )
        serve.start()
        self._threads.append(serve)
        if self.rate > 0:
            producer = threading.Thread(target=self._produce, name="emulator-producer", daemon=True)
            producer.start()
            self._threads.append(producer)
        return self

    def _produce(self) -> None:
        interval = 1.0 / self.rate
        tick = max(interval, 0.02)
        due = 0.0
        last = time.monotonic()
        while not self._stop.wait(tick):
            now = time.monotonic()
            due += (now - last) / interval
            last = now
            due = min(due, self.rate * 0.25)  # when generation falls behind, drop the backlog
            count = int(due)
            if count:
                due -= count
                self.state.produce(count)

    def stop(self) -> None:
        self._stop.set()
        self.server.go_away()
        with self.state.cond:
            self.state.cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def banner(self) -> str:
        return (
            f"Event Manager emulator: url={self.url} client_id={self.client_id} "
            f"client_secret={self.client_secret} tenant_id={self.state.tenant_id}"
        )
