"""Tenant names from the Account Management API when no payload carries them: in the table, the
tenant filter (anywhere in the name), the export; cached across runs; a client that may not read
tenants keeps the IDs with one notice."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gui.api import EventManagerClient
from gui.emulator import Emulator
from gui.emulator.server import SUBSCRIBER_SCOPE
from gui.storage import Profile, StateStore, secrets
from tests.conftest import make_subscription
from tests.gui.conftest import saved_connection
from tests.gui.test_window import start

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")


@pytest.fixture
def nameless(home: Path) -> Iterator[Emulator]:
    """An emulator whose payloads carry no names, with a saved connection and subscription."""
    with Emulator(history=300, seed=13, names_in_payloads=False) as em, saved_connection(em):
        yield em


def tenant_cells(window: Any) -> list[str]:
    return [window.model.index(r, 3).data() for r in range(window.model.rowCount())]


def test_names_come_from_the_api_show_filter_export_and_are_cached(
    qtbot: Any, open_window: Any, nameless: Emulator, tmp_path: Path
) -> None:
    assert all(
        "name" not in e.body["data"] for e in nameless.state.topics["cti.a.p.em.topic.v1.0~a.p.tenant.v1.0"].events[:50]
    )
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    qtbot.waitUntil(lambda: not [c for c in tenant_cells(window) if UUID.match(c)], timeout=10000)  # every one named
    assert nameless.state.tenant_calls >= 1
    cell = window.model.index(0, 3)
    assert "/" in cell.data(3) or "(" in cell.data(3)  # the tooltip: kind and path
    # the tenant filter matches a name, anywhere in it
    word = "region"
    window.tenant_edit.setText(word)
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300 and not window.filtering.running, timeout=10000)
    assert all(word in c.lower() for c in tenant_cells(window))
    done: list[Any] = []
    window.export_to(tmp_path / "named.csv", "csv", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    rows = list(csv.reader(io.StringIO((tmp_path / "named.csv").read_text())))
    assert all(word in r[3].lower() and UUID.match(r[4]) for r in rows[1:])  # the name, and the ID beside it
    window.close()
    calls = nameless.state.tenant_calls
    again = open_window()  # the next run: names from the state store, not asked again
    start(qtbot, again, "earliest", until_rows=300)
    again.tenant_edit.clear()
    qtbot.waitUntil(lambda: not [c for c in tenant_cells(again) if UUID.match(c)], timeout=10000)
    assert nameless.state.tenant_calls == calls


def test_a_client_that_may_not_read_tenants_keeps_the_ids_with_one_notice(
    qtbot: Any, open_window: Any, home: Path
) -> None:
    with Emulator(history=50, seed=13, names_in_payloads=False) as em:
        limited = "00000000-0000-4000-8000-000000000009"
        em.state.add_client(limited, "pw-limited", scopes=(SUBSCRIBER_SCOPE,))
        client = EventManagerClient(em.url, limited, "pw-limited")
        secrets.set_secret(em.url, limited, "pw-limited")
        store = StateStore()
        store.save_profile(Profile("limited", em.url, limited))
        store.save_subscription(em.url, limited, make_subscription(client))
        store.close()
        try:
            window = open_window()
            start(qtbot, window, "earliest", until_rows=50)
            qtbot.waitUntil(lambda: window.tenant_names.denied, timeout=10000)
            assert "may not read tenants" in window.statusBar().currentMessage()
            assert all(UUID.match(c) for c in tenant_cells(window))  # the IDs, nothing broken
            assert window.stream_status_label.text() == "streaming"
        finally:
            secrets.delete_secret(em.url, limited)
