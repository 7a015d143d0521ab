"""Secrets in a real OS keyring (gnome-keyring's Secret Service under `make test`), never on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from gui.emulator import Emulator
from gui.storage import StateStore, secrets


def test_a_real_secret_service_is_in_use() -> None:
    assert "SecretService" in secrets.backend_name(), (
        f"keyring backend is {secrets.backend_name()}: run the tests through `make test` "
        "(scripts/with-keyring starts gnome-keyring on a private D-Bus)"
    )


def test_secret_round_trip_and_delete() -> None:
    secrets.set_secret("https://dc.example", "client-1", "hunter2")
    assert secrets.get_secret("https://dc.example", "client-1") == "hunter2"
    secrets.delete_secret("https://dc.example", "client-1")
    assert secrets.get_secret("https://dc.example", "client-1") is None


def test_environment_secret_is_used_but_never_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(secrets.SECRET_ENV, "from-env")
    assert secrets.get_secret("https://dc.example", "client-2") == "from-env"
    assert secrets.get_secret("https://dc.example", "client-2", env=False) is None


def test_no_backend_gives_a_clear_message_and_writes_nothing(home: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(secrets.KeyringUnavailable, match="never writes secrets to a file"):
            secrets.set_secret("https://dc.example", "client-3", "s")
    finally:
        keyring.set_keyring(previous)
    assert not any(p.read_text(errors="ignore") == "s" for p in home.rglob("*") if p.is_file())


def test_profile_add_puts_the_secret_in_the_keyring_only(home: Path) -> None:
    with Emulator(history=10) as em:
        env = dict(os.environ, EVENT_MONITOR_HOME=str(home))
        added = subprocess.run(
            [sys.executable, "-m", "gui", "profile", "add", "lab", "--url", em.url, "--client-id", em.client_id],
            input=em.client_secret + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        assert secrets.get_secret(em.url, em.client_id, env=False) == em.client_secret
        sub = subprocess.run(
            [
                sys.executable,
                "-m",
                "gui",
                "subscription",
                "create",
                "--profile",
                "lab",
                "--type",
                "cti.a.p.em.event.v1.0~a.p.tenant.*",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sub.returncode == 0, sub.stderr
        assert StateStore().subscriptions(em.url, em.client_id)[0].subscription_id == sub.stdout.strip()
        for path in home.rglob("*"):
            if path.is_file():
                assert em.client_secret.encode() not in path.read_bytes(), f"secret found in {path}"
        listed = subprocess.run(
            [sys.executable, "-m", "gui", "profile", "list"], env=env, capture_output=True, text=True, timeout=60
        )
        assert "lab" in listed.stdout
        removed = subprocess.run(
            [sys.executable, "-m", "gui", "profile", "remove", "lab"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert removed.returncode == 0
        assert secrets.get_secret(em.url, em.client_id, env=False) is None
