"""One reader per consumer ID on this machine (Qt-free).

This machine has one consumer ID per (data center, API client, subscription); two readers with it
would both count as the same instance for the server and read over each other. So a ``tail`` or a
window tab holds a lock while it streams a subscription, and a second reader is refused with a
message naming the holder (process, window or tail, since when) and the way out.

The locks are the operating system's (``filelock``: ``flock`` on POSIX, ``msvcrt.locking`` on
Windows), held on a file in the data folder: they go with the process that held them, so a crashed
holder never leaves one stuck. Beside each lock a small JSON file names its holder.

Usage::

    lock = reader_lock.acquire(url, client_id, subscription_id, kind="window")  # ReaderBusy if held
    ...
    lock.release()  # idempotent; also `with reader_lock.acquire(...):`
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import filelock
import orjson

from gui.storage.store import data_dir

KINDS = ("window", "tail")
FOLDER = "readers"


@dataclass(frozen=True)
class Holder:
    """Who holds a reader lock: a process of this app, the window or ``tail``, since when (epoch s)."""

    pid: int
    kind: str
    since: float

    def describe(self) -> str:
        what = "the window" if self.kind == "window" else "`event-monitor tail`"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"{what} (process {self.pid}, since {when})"


class ReaderBusy(RuntimeError):
    """Another reader on this machine streams the subscription; ``holder`` names it (None when it
    could not be read: it is just starting)."""

    def __init__(self, subscription_id: str, holder: Holder | None) -> None:
        who = holder.describe() if holder else "another reader of this app"
        super().__init__(
            f"Subscription {subscription_id} is already being read on this machine by {who}, with this "
            "machine's consumer ID. Stop that reader first, or read as another instance with a new consumer "
            "ID (the server then keeps one of the two on standby)."
        )
        self.subscription_id = subscription_id
        self.holder = holder


def _paths(url: str, client_id: str, subscription_id: str) -> tuple[Path, Path]:
    folder = data_dir() / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    key = hashlib.sha256(f"{url}\n{client_id}\n{subscription_id}".encode()).hexdigest()[:32]
    return folder / f"{key}.lock", folder / f"{key}.holder"


def _read_holder(path: Path) -> Holder | None:
    try:
        data = orjson.loads(path.read_bytes())
        return Holder(int(data["pid"]), str(data["kind"]), float(data["since"]))
    except (OSError, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        return None


class ReaderLock:
    """A held reader lock; :meth:`release` (or leaving a ``with`` block) lets it go."""

    def __init__(self, lock: filelock.BaseFileLock, holder_file: Path, holder: Holder, subscription_id: str) -> None:
        self._lock = lock
        self._holder_file = holder_file
        self.holder = holder
        self.subscription_id = subscription_id
        self.key: tuple[str, str, str] = ("", "", subscription_id)  # (url, client ID, subscription ID)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        """Let the lock go (again: nothing)."""
        if not self._lock.is_locked:
            return
        with contextlib.suppress(OSError):  # before the lock: afterwards it may be the next holder's
            self._holder_file.unlink()
        self._lock.release(force=True)

    def __enter__(self) -> ReaderLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()


def instance_lock(name: str) -> filelock.BaseFileLock | None:
    """The data folder's lock ``name``, now held by this process, when no other process holds it
    (None then): which instance of the window saves ``window.ini``, say. Held until released, or
    until the process ends."""
    folder = data_dir() / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    lock = filelock.FileLock(folder / f"{name}.lock", mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        return None
    return lock


def acquire(url: str, client_id: str, subscription_id: str, kind: str = "window") -> ReaderLock:
    """Hold the reader lock of this machine's consumer ID for (url, client ID, subscription), at
    once or not at all: :class:`ReaderBusy`, naming the holder, when another reader has it. The
    data folder is the state store's (``$EVENT_MONITOR_HOME`` relocates it)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    lock_file, holder_file = _paths(url, client_id, subscription_id)
    lock = filelock.FileLock(lock_file, mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise ReaderBusy(subscription_id, _read_holder(holder_file)) from None
    holder = Holder(os.getpid(), kind, time.time())
    try:
        partial = holder_file.with_name(f"{holder_file.name}.{os.getpid()}")
        partial.write_bytes(orjson.dumps({"pid": holder.pid, "kind": holder.kind, "since": holder.since}))
        os.replace(partial, holder_file)
    except OSError:  # the lock holds all the same; a refused reader then cannot say who has it
        pass
    held = ReaderLock(lock, holder_file, holder, subscription_id)
    held.key = (url, client_id, subscription_id)
    return held
