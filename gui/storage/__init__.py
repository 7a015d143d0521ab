"""Local state (SQLite) and secrets (OS keyring) (Qt-free)."""

from gui.storage.store import Commit, Profile, StateStore, StoreError, TenantName, data_dir

__all__ = ["Commit", "Profile", "StateStore", "StoreError", "TenantName", "data_dir"]
