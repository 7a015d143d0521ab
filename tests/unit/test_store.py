"""The state store: migrations, consumer IDs kept, offsets, commit log, and crash safety."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gui.api import Subscription
from gui.storage import Profile, StateStore
from gui.storage.store import SCHEMA_VERSION, StoreError

URL, CID, SUB = "https://dc.example", "client", "11111111-1111-4111-8111-111111111111"


def test_profiles_subscriptions_consumer_ids(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db")
    store.save_profile(Profile("lab", URL, CID))
    assert store.profiles() == [Profile("lab", URL, CID)]
    spec = Subscription(SUB, "cti.a.p.em.topic.v1.0~a.p.tenant.v1.0", ("cti.a.p.em.event.v1.0~a.p.tenant.*",))
    store.save_subscription(URL, CID, spec)
    assert store.subscriptions(URL, CID) == [spec]
    first = store.consumer_id(URL, CID, SUB)
    assert store.consumer_id(URL, CID, SUB) == first
    reopened = StateStore(tmp_path / "s.db")
    assert reopened.consumer_id(URL, CID, SUB) == first
    assert reopened.new_consumer_id(URL, CID, SUB) != first
    assert store.remove_profile("lab") and not store.profiles()


def test_offsets_and_commit_log(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db")
    assert store.stored_offset(URL, CID, SUB) is None
    store.store_offset(URL, CID, SUB, 10, log=True)
    store.store_offset(URL, CID, SUB, 25, log=True)
    assert store.stored_offset(URL, CID, SUB) == 25
    commits = store.commits(URL, CID, SUB)
    assert [(c.from_offset, c.offset, c.target) for c in commits] == [(10, 25, "stored"), (None, 10, "stored")]


def test_schema_version_and_wal(tmp_path: Path) -> None:
    StateStore(tmp_path / "s.db").close()
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_from_a_newer_version_or_not_a_database_is_refused_with_a_reason(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    StateStore(newer).close()
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="written by a newer Event Monitor") as caught:
        StateStore(newer)
    assert caught.value.path == newer and not caught.value.damaged  # update the app; do not move it aside
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"x" * 4096)
    with pytest.raises(StoreError, match="cannot be opened: file is not a database") as caught:
        StateStore(garbage)
    assert caught.value.path == garbage and caught.value.damaged


WRITER = """
import sys
from gui.storage import StateStore
store = StateStore(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    i += 1
    with store.transaction() as db:
        store.store_offset("u", "c", "s", i, log=True, db=db)
"""


def test_kill_9_never_corrupts_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        try:
            proc.wait(timeout=0.3)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        store = StateStore(path)
        assert store._rows("PRAGMA integrity_check") == [("ok",)]
        offset = store.stored_offset("u", "c", "s")
        last = store.commits("u", "c", "s", limit=1)
        assert offset is not None and last and last[0].offset == offset  # both writes or neither
        store.close()


def test_saved_views_by_scope_round_trip_and_damaged_bodies(tmp_path: Path) -> None:
    from gui.storage.views import SavedView, check_name

    store = StateStore(tmp_path / "s.db")
    everywhere = SavedView("Deletions", types=("cti.a.p.em.event.v1.0~a.p.tenant.deleted.v1.0",), zone="local")
    here = SavedView(
        "Mine", scope=SUB, text="acme", time_preset="custom", since=10.0, until=20.0, payload=("data.kind",)
    )
    store.save_view(everywhere)
    store.save_view(here)
    assert store.saved_views(SUB) == [everywhere, here]
    assert store.saved_views("22222222-2222-4222-8222-222222222222") == [
        everywhere
    ]  # another subscription's are not offered
    store.save_view(SavedView("Mine", scope=SUB, text="other"))  # saved again: replaced
    assert [v.text for v in StateStore(tmp_path / "s.db").saved_views(SUB)] == ["", "other"]
    assert store.delete_view("Mine", SUB) and store.saved_views(SUB) == [everywhere]
    # a damaged or newer body reads as what can be read of it
    odd = SavedView.stored("x", "", b'{"text": 5, "types": ["a", 1], "since": true, "until": 3, "future": 1}')
    assert (odd.text, odd.types, odd.since, odd.until) == ("", (), None, 3.0)
    assert SavedView.stored("x", "", b"not json") == SavedView("x")
    with pytest.raises(ValueError, match="come with the app"):
        check_name("Last hour")
    with pytest.raises(ValueError, match="needs a name"):
        check_name("   ")
