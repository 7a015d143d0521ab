"""Changing and removing a saved connection (Qt-free): the one place that knows a connection's
secret lives in the keyring under its URL and client ID, so moving either moves the secret, and a
secret no other connection uses goes with the last one. The command line (``profile update``,
``profile remove``) and the window's Manage connections dialog both call these."""

from __future__ import annotations

from dataclasses import dataclass

from gui.storage import secrets
from gui.storage.store import Profile, StateStore


class ConnectionChangeRefused(ValueError):
    """The change cannot be made (no such connection, the new name taken, nothing to change)."""


@dataclass(frozen=True)
class ConnectionUpdate:
    old: Profile
    new: Profile
    secret: str  # "new": replaced, "moved": moved along, "missing": none stored for it, "": untouched

    @property
    def moved(self) -> bool:
        return (self.old.url, self.old.client_id) != (self.new.url, self.new.client_id)


def _shared(store: StateStore, url: str, client_id: str) -> bool:
    return any((p.url, p.client_id) == (url, client_id) for p in store.profiles())


def update_connection(
    store: StateStore,
    name: str,
    *,
    new_name: str | None = None,
    url: str | None = None,
    client_id: str | None = None,
    secret: str | None = None,
) -> ConnectionUpdate:
    """Change connection ``name``: its name, (normalised) URL, client ID and/or secret. The secret
    is written first (the connection never points at no secret), then the connection, then an old
    secret that no connection uses any more is deleted. KeyringUnavailable when the keyring fails."""
    old = store.profile(name)
    if old is None:
        raise ConnectionChangeRefused(f"no connection named {name!r}")
    new = Profile(new_name or name, url or old.url, client_id or old.client_id)
    if new == old and not secret:
        raise ConnectionChangeRefused("nothing to change")
    if new.name != old.name and store.profile(new.name) is not None:
        raise ConnectionChangeRefused(f"a connection named {new.name!r} exists already")
    moved = (new.url, new.client_id) != (old.url, old.client_id)
    said = "new" if secret else ""
    if not secret and moved:
        secret = secrets.get_secret(old.url, old.client_id, env=False)
        said = "moved" if secret else "missing"
    if secret:
        secrets.set_secret(new.url, new.client_id, secret)
    store.replace_profile(old.name, new)
    if moved and not _shared(store, old.url, old.client_id):  # the old secret is no one's now
        secrets.delete_secret(old.url, old.client_id)
    return ConnectionUpdate(old, new, said)


def remove_connection(store: StateStore, name: str) -> Profile:
    """Forget connection ``name`` and its secret (kept while another connection uses the same URL
    and client ID). The subscriptions remembered for that URL and client ID stay: they come back
    when the connection is added again."""
    profile = store.profile(name)
    if profile is None:
        raise ConnectionChangeRefused(f"no connection named {name!r}")
    store.remove_profile(name)
    if not _shared(store, profile.url, profile.client_id):
        secrets.delete_secret(profile.url, profile.client_id)
    return profile
