"""Changing and removing a connection with its secret (gui/storage/connections.py), in the real
keyring under `make test`: what the command line and the window's Manage connections share."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.storage import Profile, StateStore, secrets
from gui.storage.connections import ConnectionChangeRefused, remove_connection, update_connection

URL, OTHER = "https://eu2-cloud.acronis.com", "https://us5-cloud.acronis.com"


def test_rename_move_and_rotate(home: Path) -> None:
    store = StateStore()
    secrets.set_secret(URL, "id", "first")
    store.save_profile(Profile("prod", URL, "id"))
    done = update_connection(store, "prod", new_name="EU2 prod", url=OTHER)
    assert done.secret == "moved" and done.moved
    assert store.profile("prod") is None and store.profile("EU2 prod") == Profile("EU2 prod", OTHER, "id")
    assert secrets.get_secret(OTHER, "id", env=False) == "first" and secrets.get_secret(URL, "id", env=False) is None
    assert update_connection(store, "EU2 prod", secret="second").secret == "new"
    assert secrets.get_secret(OTHER, "id", env=False) == "second"
    with pytest.raises(ConnectionChangeRefused, match="nothing to change"):
        update_connection(store, "EU2 prod", url=OTHER)
    store.save_profile(Profile("taken", URL, "x"))
    with pytest.raises(ConnectionChangeRefused, match="exists already"):
        update_connection(store, "EU2 prod", new_name="taken")
    remove_connection(store, "EU2 prod")
    assert secrets.get_secret(OTHER, "id", env=False) is None and store.profile("EU2 prod") is None


def test_a_secret_two_connections_share_stays_until_the_last_goes(home: Path) -> None:
    store = StateStore()
    secrets.set_secret(URL, "id", "shared")
    store.save_profile(Profile("a", URL, "id"))
    store.save_profile(Profile("b", URL, "id"))
    remove_connection(store, "a")
    assert secrets.get_secret(URL, "id", env=False) == "shared"
    update_connection(store, "b", client_id="id2")  # moved: the old entry is no one's now
    assert secrets.get_secret(URL, "id", env=False) is None and secrets.get_secret(URL, "id2", env=False) == "shared"
    remove_connection(store, "b")
    assert secrets.get_secret(URL, "id2", env=False) is None
    with pytest.raises(ConnectionChangeRefused, match="no connection named"):
        remove_connection(store, "b")
