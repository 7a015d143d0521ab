"""The local state store: one SQLite file (WAL, transactions, versioned schema).

Holds connection profiles (never secrets), subscriptions this user created or added, one consumer
ID per (connection, subscription), offsets stored for stateful reading, and a commit log. A
connection is identified by its data center URL and client ID, so state follows the server, not
the profile's name. A killed process never leaves the file corrupt (SQLite's WAL journal).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import orjson
import platformdirs

from gui.api.events import INT64_MAX
from gui.api.models import Subscription
from gui.storage.views import SavedView

log = logging.getLogger(__name__)
APP_NAME = "event-monitor"
HOME_ENV = "EVENT_MONITOR_HOME"


def data_dir() -> Path:
    """Where local data lives: ``$EVENT_MONITOR_HOME`` or the platform's user data directory,
    readable by this user only (0700: a folder found looser is tightened, and that is said once).
    StoreError when it cannot be a folder."""
    override = os.environ.get(HOME_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    try:
        existed = path.is_dir()
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not existed:
            path.chmod(0o700)
        elif os.name == "posix":  # elsewhere the mode bits say little: the user's profile folder is private
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                path.chmod(0o700)
                log.warning(
                    "The folder for local data %s could be read by others (mode %04o); it is now this user's only (0700)",
                    path,
                    mode,
                )
    except OSError as err:
        what = "it is a file, not a folder" if path.exists() and not path.is_dir() else (err.strerror or str(err))
        where = f" (set by {HOME_ENV})" if override else ""
        raise StoreError(f"The folder for local data {path}{where} cannot be used: {what}", path) from err
    return path


def private(path: Path) -> None:
    """Readable and writable by this user only (0600); a file that is not there is left alone."""
    try:
        path.chmod(0o600)
    except FileNotFoundError:
        pass


@dataclass(frozen=True)
class Profile:
    name: str
    url: str
    client_id: str


@dataclass(frozen=True)
class TenantName:
    tenant_id: str
    name: str
    kind: str = ""
    path: str = ""


@dataclass(frozen=True)
class Commit:
    subscription_id: str
    target: str  # "server" or "stored"
    from_offset: int | None
    offset: int
    at: float


_MIGRATIONS: tuple[str, ...] = (
    # version 1
    """
    CREATE TABLE profiles (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        client_id TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE subscriptions (
        url TEXT NOT NULL,
        client_id TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        spec TEXT NOT NULL,
        added REAL NOT NULL,
        PRIMARY KEY (url, client_id, subscription_id)
    );
    CREATE TABLE consumers (
        url TEXT NOT NULL,
        client_id TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        consumer_id TEXT NOT NULL,
        PRIMARY KEY (url, client_id, subscription_id)
    );
    CREATE TABLE offsets (
        url TEXT NOT NULL,
        client_id TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        offset INTEGER NOT NULL,
        updated REAL NOT NULL,
        PRIMARY KEY (url, client_id, subscription_id)
    );
    CREATE TABLE commits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        client_id TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        target TEXT NOT NULL,
        from_offset INTEGER,
        offset INTEGER NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX commits_by_subscription ON commits (url, client_id, subscription_id, id);
    """,
    # version 2: tenant names from the Account Management API, reused across runs
    """
    CREATE TABLE tenant_names (
        url TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        fetched REAL NOT NULL,
        PRIMARY KEY (url, tenant_id)
    );
    """,
    # version 3: saved views (gui/storage/views.py), for every subscription (scope '') or one
    """
    CREATE TABLE saved_views (
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        body TEXT NOT NULL,
        saved REAL NOT NULL,
        PRIMARY KEY (name, scope)
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


T = TypeVar("T")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} where text belongs")
    return value


def _tenant_names(rows: list[tuple[object, ...]]) -> dict[str, TenantName]:
    return {str(r[0]): TenantName(*map(_text, r)) for r in rows}


def _offset(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise ValueError(f"{value!r} is not an offset")
    return value


class StoreError(RuntimeError):
    """The state file cannot be used; the message says why and where. ``damaged``: the file is not
    a database this app can read (rather than busy, or from a newer version)."""

    def __init__(self, message: str, path: Path | None = None, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.damaged = damaged


class StateStore:
    """Thread-safe access to the state database (one connection, serialised by a lock)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "state.sqlite3"
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"The folder {self.path.parent} cannot hold the state file: {err.strerror or err}"
            ) from err
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            for suffix in ("", "-wal", "-shm"):  # offsets and IDs are this user's business only
                private(self.path.with_name(self.path.name + suffix))
        except sqlite3.DatabaseError as err:
            damaged = not isinstance(err, sqlite3.OperationalError)  # not "locked" or "unable to open"
            raise StoreError(f"The state file {self.path} cannot be opened: {err}", self.path, damaged=damaged) from err

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _broken(self, err: Exception) -> StoreError:
        """What a failure of the file means for the user (a missing table, a value of the wrong kind)."""
        text = str(err)
        damaged = not any(word in text for word in ("locked", "unable to open", "readonly", "disk I/O"))
        return StoreError(f"The state file {self.path} cannot be used: {text}", self.path, damaged=damaged)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: all of it lands, or none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                else:
                    self._db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                raise self._broken(err) from err

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer Event Monitor (schema {version}); update the app", self.path
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _rows(self, sql: str, *args: object) -> list[tuple]:  # type: ignore[type-arg]
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as err:
                raise self._broken(err) from err

    def _read(self, what: str, make: Callable[[], T]) -> T:
        """A value made from stored rows; a row that cannot make one is the file's fault, said so."""
        try:
            return make()
        except (ValueError, TypeError, KeyError, orjson.JSONDecodeError) as err:
            raise StoreError(
                f"The state file {self.path} holds {what} that cannot be read ({err})", self.path, damaged=True
            ) from err

    # -- profiles ----------------------------------------------------------------------------

    def save_profile(self, profile: Profile) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO profiles (name, url, client_id, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET url = excluded.url, client_id = excluded.client_id",
                (profile.name, profile.url, profile.client_id, time.time()),
            )

    def profiles(self) -> list[Profile]:
        rows = self._rows("SELECT name, url, client_id FROM profiles ORDER BY name")
        return self._read("a connection", lambda: [Profile(*map(_text, row)) for row in rows])

    def profile(self, name: str) -> Profile | None:
        rows = self._rows("SELECT name, url, client_id FROM profiles WHERE name = ?", name)
        return Profile(*rows[0]) if rows else None

    def replace_profile(self, old_name: str, profile: Profile) -> None:
        """Connection ``old_name`` becomes ``profile`` (renamed too, when its name differs), at once."""
        with self.transaction() as db:
            if old_name != profile.name:
                db.execute("DELETE FROM profiles WHERE name = ?", (old_name,))
            db.execute(
                "INSERT INTO profiles (name, url, client_id, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET url = excluded.url, client_id = excluded.client_id",
                (profile.name, profile.url, profile.client_id, time.time()),
            )

    def remove_profile(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM profiles WHERE name = ?", (name,)).rowcount > 0

    def forget_connection(self, url: str, client_id: str) -> None:
        """Everything this machine knows of one API client on one data center: its subscriptions,
        consumer IDs, stored offsets and commit log (the demo's, when the demo ends)."""
        with self.transaction() as db:
            for table in ("subscriptions", "consumers", "offsets", "commits"):
                db.execute(f"DELETE FROM {table} WHERE url = ? AND client_id = ?", (url, client_id))

    # -- subscriptions -----------------------------------------------------------------------

    def save_subscription(self, url: str, client_id: str, subscription: Subscription) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO subscriptions (url, client_id, subscription_id, spec, added) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET spec = excluded.spec",
                (
                    url,
                    client_id,
                    subscription.subscription_id,
                    orjson.dumps(subscription.to_json()).decode(),
                    time.time(),
                ),
            )

    def remove_subscription(self, url: str, client_id: str, subscription_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM subscriptions WHERE url = ? AND client_id = ? AND subscription_id = ?",
                (url, client_id, subscription_id),
            )

    def forget_subscription(self, url: str, client_id: str, subscription_id: str) -> bool:
        """Everything this machine knows of one subscription: the subscription, its consumer ID,
        stored offset and commit log. False when nothing was known."""
        found = False
        with self.transaction() as db:
            for table in ("subscriptions", "consumers", "offsets", "commits"):
                found |= (
                    db.execute(
                        f"DELETE FROM {table} WHERE url = ? AND client_id = ? AND subscription_id = ?",
                        (url, client_id, subscription_id),
                    ).rowcount
                    > 0
                )
        return found

    def subscriptions(self, url: str, client_id: str) -> list[Subscription]:
        rows = self._rows(
            "SELECT spec FROM subscriptions WHERE url = ? AND client_id = ? ORDER BY added", url, client_id
        )
        return self._read("a subscription", lambda: [Subscription.from_json(orjson.loads(spec)) for (spec,) in rows])

    def subscription(self, url: str, client_id: str, subscription_id: str) -> Subscription | None:
        rows = self._rows(
            "SELECT spec FROM subscriptions WHERE url = ? AND client_id = ? AND subscription_id = ?",
            url,
            client_id,
            subscription_id,
        )
        return self._read("a subscription", lambda: Subscription.from_json(orjson.loads(rows[0][0]))) if rows else None

    # -- consumer IDs ------------------------------------------------------------------------

    def consumer_id(self, url: str, client_id: str, subscription_id: str) -> str:
        """The consumer ID of this machine for the subscription, generated once and kept."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT consumer_id FROM consumers WHERE url = ? AND client_id = ? AND subscription_id = ?",
                (url, client_id, subscription_id),
            ).fetchone()
            if row:
                return str(row[0])
            new = str(uuid.uuid4())
            db.execute(
                "INSERT INTO consumers (url, client_id, subscription_id, consumer_id) VALUES (?, ?, ?, ?)",
                (url, client_id, subscription_id, new),
            )
            return new

    def known_consumer_id(self, url: str, client_id: str, subscription_id: str) -> str | None:
        """The consumer ID of this machine for the subscription, if one was made (none is made here)."""
        rows = self._rows(
            "SELECT consumer_id FROM consumers WHERE url = ? AND client_id = ? AND subscription_id = ?",
            url,
            client_id,
            subscription_id,
        )
        return str(rows[0][0]) if rows else None

    def new_consumer_id(self, url: str, client_id: str, subscription_id: str) -> str:
        """Replace the consumer ID (this changes which instance the server treats as leader)."""
        new = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute(
                "INSERT INTO consumers (url, client_id, subscription_id, consumer_id) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET consumer_id = excluded.consumer_id",
                (url, client_id, subscription_id, new),
            )
        return new

    # -- offsets and commits -----------------------------------------------------------------

    def stored_offset(self, url: str, client_id: str, subscription_id: str) -> int | None:
        rows = self._rows(
            "SELECT offset FROM offsets WHERE url = ? AND client_id = ? AND subscription_id = ?",
            url,
            client_id,
            subscription_id,
        )
        return self._read("a stored offset", lambda: _offset(rows[0][0])) if rows else None

    def store_offset(
        self,
        url: str,
        client_id: str,
        subscription_id: str,
        offset: int,
        *,
        log: bool = False,
        db: sqlite3.Connection | None = None,
    ) -> None:
        """Store the offset for stateful reading (inside ``db``'s transaction when given)."""

        def write(conn: sqlite3.Connection) -> None:
            previous = conn.execute(
                "SELECT offset FROM offsets WHERE url = ? AND client_id = ? AND subscription_id = ?",
                (url, client_id, subscription_id),
            ).fetchone()
            conn.execute(
                "INSERT INTO offsets (url, client_id, subscription_id, offset, updated) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET offset = excluded.offset, updated = excluded.updated",
                (url, client_id, subscription_id, int(offset), time.time()),
            )
            if log:
                self._log_commit(
                    conn, url, client_id, subscription_id, "stored", previous[0] if previous else None, offset
                )

        if db is not None:
            write(db)
        else:
            with self.transaction() as conn:
                write(conn)

    def _log_commit(
        self,
        db: sqlite3.Connection,
        url: str,
        client_id: str,
        subscription_id: str,
        target: str,
        from_offset: int | None,
        offset: int,
    ) -> None:
        db.execute(
            "INSERT INTO commits (url, client_id, subscription_id, target, from_offset, offset, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (url, client_id, subscription_id, target, from_offset, int(offset), time.time()),
        )

    def log_commit(
        self, url: str, client_id: str, subscription_id: str, target: str, from_offset: int | None, offset: int
    ) -> None:
        with self.transaction() as db:
            self._log_commit(db, url, client_id, subscription_id, target, from_offset, offset)

    # -- saved views -------------------------------------------------------------------------

    def saved_views(self, subscription_id: str | None = None) -> list[SavedView]:
        """The views for every subscription and those for this one, by name."""
        rows = self._rows(
            "SELECT name, scope, body FROM saved_views WHERE scope = '' OR scope = ? ORDER BY name COLLATE NOCASE",
            subscription_id or "",
        )
        return [SavedView.stored(str(name), str(scope), str(body)) for name, scope, body in rows]

    def save_view(self, view: SavedView) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO saved_views (name, scope, body, saved) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET body = excluded.body, saved = excluded.saved",
                (view.name, view.scope, view.to_json().decode(), time.time()),
            )

    def delete_view(self, name: str, scope: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM saved_views WHERE name = ? AND scope = ?", (name, scope)).rowcount > 0

    # -- tenant names ------------------------------------------------------------------------

    def tenant_names(self, url: str, tenant_ids: Iterable[str], max_age: float) -> dict[str, TenantName]:
        """Names fetched for these tenants of this data center less than ``max_age`` seconds ago."""
        fresh = time.time() - max_age
        found: dict[str, TenantName] = {}
        ids = list(tenant_ids)
        for start in range(0, len(ids), 500):  # SQLite's host parameters
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._rows(
                f"SELECT tenant_id, name, kind, path FROM tenant_names WHERE url = ? AND fetched >= ? AND tenant_id IN ({marks})",
                url,
                fresh,
                *part,
            )
            found.update(self._read("a tenant name", partial(_tenant_names, rows)))
        return found

    def save_tenant_names(self, url: str, names: Iterable[TenantName]) -> None:
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO tenant_names (url, tenant_id, name, kind, path, fetched) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET name = excluded.name, kind = excluded.kind, path = excluded.path, "
                "fetched = excluded.fetched",
                [(url, n.tenant_id, n.name, n.kind, n.path, now) for n in names],
            )

    def commits(self, url: str, client_id: str, subscription_id: str, limit: int = 200) -> list[Commit]:
        rows = self._rows(
            "SELECT subscription_id, target, from_offset, offset, at FROM commits "
            "WHERE url = ? AND client_id = ? AND subscription_id = ? ORDER BY id DESC LIMIT ?",
            url,
            client_id,
            subscription_id,
            limit,
        )
        return [Commit(*row) for row in rows]
