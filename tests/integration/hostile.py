"""A small hostile Event Manager of our own on loopback: it answers the token endpoint, then
misbehaves on purpose in the way a test asks (endless bodies, a drip, odd tokens, echoed secrets,
absurd Retry-After). Every loop it runs is bounded in bytes and time, and it stops by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from gui.api import EventManagerClient

CLIENT_ID = "11111111-2222-4333-8444-555555555555"
SUB = "6f1b2d1c-1111-4222-8333-444455556666"  # a subscription the tests name (the server knows any)
SECRET = "s3cret-Value-42"
MAX_SENT = 256 * 1024 * 1024  # the endless body stops here at the latest
MAX_SECONDS = 60.0


class Behaviour:
    def __init__(self) -> None:
        self.token = "good-token"
        self.token_fields: dict[str, Any] = {"expires_in": 7200}
        self.events = "ok"  # ok | huge | drip | echo | retry_after
        self.retry_after = "1"
        self.tokens_issued = 0
        self.created: list[str] = []  # subscription IDs POSTed, in order
        self.commits_refused = 0
        self.sent = 0  # bytes of the last misbehaving body


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:
        pass

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = orjson.dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        b = self.server.behaviour
        self.rfile_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.endswith("/idp/token") and b.events == "token429":
            self._json(429, {"error": {"code": "tooMany", "message": "slow down"}}, {"Retry-After": "7"})
        elif self.path.endswith("/idp/token"):
            b.tokens_issued += 1
            self._json(200, {"access_token": b.token, "token_type": "bearer", **b.token_fields})
        elif self.path.endswith("/subscriptions/offset") and b.events == "commit503":
            b.commits_refused += 1
            self._json(503, {"error": {"code": "unavailable", "message": "try later"}})
        elif self.path.endswith("/subscriptions") and b.events == "create_cut":
            sub = orjson.loads(self.rfile_body)
            b.created.append(sub["subscription_id"])
            if len(b.created) == 1:  # created, but the answer is cut off mid-body
                body = orjson.dumps(sub)
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:10])
                self.wfile.flush()
                self.close_connection = True
            else:  # the same ID again: it exists
                self._json(409, {"error": {"code": "conflict", "message": "subscription exists"}})
        else:
            self._json(404, {"error": {"code": "notFound", "message": "no"}})

    def do_GET(self) -> None:
        b = self.server.behaviour
        if b.events == "html":  # every call fails with markup in its message
            self._json(500, {"error": {"code": "x", "message": "<h2>✔ Connected</h2><b>all good</b>"}})
            return
        if not self.path.startswith("/api/event_manager/v1/events"):
            self._json(404, {"error": {"code": "notFound", "message": "no"}})
            return
        started = time.monotonic()
        if b.events == "huge":  # an endless chunked body
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b'{"events": [' + b'{"sequence": 1, "previous": 0, "data": "' + b"x" * (1 << 20) + b'"},'
            b.sent = 0
            try:
                while b.sent < MAX_SENT and time.monotonic() - started < MAX_SECONDS:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    b.sent += len(chunk)
            except OSError:
                pass  # the client closed the connection: what should happen
            self.close_connection = True
        elif b.events == "drip":  # a valid length, one byte at a time
            body = orjson.dumps({"events": [], "offset": 0}) + b" " * 200
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            b.sent = 0
            try:
                for byte in body:
                    if time.monotonic() - started > MAX_SECONDS:
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    b.sent += 1
                    time.sleep(0.5)  # the server's drip (not a test waiting)
            except OSError:
                pass
            self.close_connection = True
        elif b.events == "echo":  # an error whose message repeats the request's headers
            self._json(
                500, {"error": {"code": "internal", "message": f"bad request with headers {dict(self.headers)}"}}
            )
        elif b.events == "commit503":  # one event, then nothing new (slowly: a long-poll's pace)
            if "offset=0" in self.path:
                self._json(200, {"events": [{"sequence": 1, "type": "t", "tenant_id": "x"}], "offset": 1})
            else:
                time.sleep(0.5)
                self._json(200, {"events": [], "offset": 1})
        elif b.events == "control":  # one event whose fields carry terminal control sequences
            if "offset=0" in self.path:
                event = {"sequence": 1, "type": "t", "tenant_id": "ten\x1b]0;pwned\x07", "subject": "s\x1b[2J"}
                self._json(200, {"events": [event], "offset": 1})
            else:
                self._json(200, {"events": [], "offset": 1})
        elif b.events == "notjson":  # a captive portal's page
            page = b"<html><body>Sign in to the Wi-Fi</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
        elif b.events == "retry_after":
            self._json(429, {"error": {"code": "notLeader", "message": "later"}}, {"Retry-After": b.retry_after})
        else:
            self._json(200, {"events": [], "offset": 0})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    behaviour: Behaviour


@contextmanager
def hostile_server() -> Iterator[tuple[str, Behaviour]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.behaviour = Behaviour()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.behaviour
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def hostile_client(**behaviour: Any) -> Iterator[tuple[EventManagerClient, Behaviour]]:
    """The real client against a hostile server behaving as ``behaviour`` says (``events="huge"``...)."""
    with hostile_server() as (url, server_behaviour):
        for name, value in behaviour.items():
            if not hasattr(server_behaviour, name):
                raise AttributeError(f"the hostile server has no behaviour {name!r}")
            setattr(server_behaviour, name, value)
        client = EventManagerClient(url, CLIENT_ID, SECRET)
        try:
            yield client, server_behaviour
        finally:
            client.close()


def cli_env(home: object) -> dict[str, str]:
    """The environment of `event-monitor` run against the hostile server: its own data folder, the secret."""
    return dict(os.environ, EVENT_MONITOR_HOME=str(home), EVENT_MONITOR_CLIENT_SECRET=SECRET)


def tail_argv(url: str, *more: str) -> list[str]:
    """`tail` of the hostile server's subscription, and ``more`` options."""
    return ["tail", "--url", url, "--client-id", CLIENT_ID, "--subscription", SUB, *more]


def run_cli(home: object, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`event-monitor ARGS` as a user runs it, with its own data folder and the hostile server's secret."""
    return subprocess.run(
        [sys.executable, "-m", "gui", *args], capture_output=True, text=True, timeout=timeout, env=cli_env(home)
    )
