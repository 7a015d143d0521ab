"""Client secrets, only ever in the OS keyring (never in a file).

With no usable keyring backend the calls raise :class:`KeyringUnavailable` with how to fix it. A
script may pass a one-off secret in ``EVENT_MONITOR_CLIENT_SECRET``; it is used, never stored.
"""

from __future__ import annotations

import os

import keyring
import keyring.errors
from keyring.backends import fail

SERVICE = "event-monitor"
SECRET_ENV = "EVENT_MONITOR_CLIENT_SECRET"

HOW_TO_FIX = (
    "No usable OS keyring was found, and Event Monitor never writes secrets to a file. "
    "On Linux install and unlock a Secret Service (GNOME Keyring or KWallet; e.g. "
    "`apt install gnome-keyring` and log in to a desktop session), on macOS the Keychain and on "
    "Windows the Credential Manager are used automatically. For scripts, pass the secret in the "
    f"{SECRET_ENV} environment variable instead."
)


class KeyringUnavailable(RuntimeError):
    """No OS keyring backend can store secrets here."""


def _account(url: str, client_id: str) -> str:
    return f"{client_id}@{url}"


def _backend() -> keyring.backend.KeyringBackend:
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        raise KeyringUnavailable(HOW_TO_FIX)
    return backend


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def set_secret(url: str, client_id: str, secret: str) -> None:
    if not secret:
        raise ValueError("the client secret is empty")
    try:
        _backend().set_password(SERVICE, _account(url, client_id), secret)
    except keyring.errors.KeyringError as err:
        raise KeyringUnavailable(f"The OS keyring refused to store the secret ({err}). {HOW_TO_FIX}") from err


def get_secret(url: str, client_id: str, *, env: bool = True) -> str | None:
    """The secret for this connection: ``$EVENT_MONITOR_CLIENT_SECRET`` first, then the keyring."""
    if env and os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    try:
        return _backend().get_password(SERVICE, _account(url, client_id))
    except keyring.errors.KeyringError as err:
        raise KeyringUnavailable(f"The OS keyring could not be read ({err}). {HOW_TO_FIX}") from err


def delete_secret(url: str, client_id: str) -> None:
    try:
        _backend().delete_password(SERVICE, _account(url, client_id))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as err:
        raise KeyringUnavailable(f"The OS keyring could not delete the secret ({err}). {HOW_TO_FIX}") from err
