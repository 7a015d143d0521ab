"""GUI fixtures: the real window (gui.app.create_window) against a real emulator over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui.api import EventManagerClient
from gui.emulator import Emulator
from gui.storage import Profile, StateStore, secrets
from tests.conftest import make_subscription
from tests.gui.driver import drive


@contextmanager
def saved_connection(
    em: Emulator, *types: str, name: str = "lab", **options: object
) -> Iterator[tuple[EventManagerClient, str]]:
    """A saved connection ``name`` to ``em`` (its secret in the keyring) and one subscription of
    ``types`` (all tenant types by default), as a user who set them up; the secret goes after."""
    client = EventManagerClient(em.url, em.client_id, em.client_secret)
    secrets.set_secret(em.url, em.client_id, em.client_secret)
    store = StateStore()
    store.save_profile(Profile(name, em.url, em.client_id))
    sub = make_subscription(client, *types, **options)
    store.save_subscription(em.url, em.client_id, sub)
    store.close()
    try:
        yield client, sub.subscription_id
    finally:
        secrets.delete_secret(em.url, em.client_id)


@pytest.fixture
def lab(home: object) -> Iterator[tuple[Emulator, EventManagerClient, str]]:
    """An emulator with a saved connection "lab" (secret in the keyring) and one subscription."""
    with Emulator(history=300, seed=11) as em, saved_connection(em, session_timeout="PT3S") as (client, sub_id):
        yield em, client, sub_id


@pytest.fixture
def open_window(qtbot: object, tmp_path: object) -> Iterator[object]:
    """Opens windows via create_window and makes sure each is closed with no thread left running."""
    windows = []

    def opener(*argv: str) -> object:
        from gui.app import create_window

        window = create_window(list(argv))
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        windows.append(window)
        return drive(window)  # its widgets by the names tests use (tests/gui/driver.py)

    yield opener
    for window in windows:
        window.close()  # type: ignore[attr-defined]
        assert window.consumer_thread is None  # type: ignore[attr-defined]


@pytest.fixture
def held(qtbot: object, open_window: Any, lab: object) -> object:
    """The window shown, the lab's 300 events read from the earliest and the stream stopped."""
    from tests.gui.test_window import start

    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
    window.stop()
    return window
