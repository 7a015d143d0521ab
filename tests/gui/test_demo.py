"""The demo runs on the user's own state store: what the user adds while it runs is kept, the
demo's own entries go when it ends, and its secret never reaches the keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from gui.app import DEMO_PROFILE
from gui.emulator import Emulator
from gui.storage import Profile, StateStore, secrets
from gui.ui.dialogs import ConnectionDialog
from tests.gui.driver import drive


def close_demo(qtbot: Any, window: Any) -> None:
    settings_file = window.settings.fileName()
    destroyed: list[bool] = []
    window.destroyed.connect(lambda: destroyed.append(True))
    window.close()
    window.deleteLater()
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5000)
    qtbot.waitUntil(lambda: not Path(settings_file).parent.exists(), timeout=5000)


def test_the_demo_leaves_only_what_the_user_added(qtbot: Any) -> None:
    from gui.app import create_window

    with Emulator(history=5) as real:
        window = drive(create_window(["--demo"]))
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)
        demo = window.state_store.profile(DEMO_PROFILE)
        assert demo is not None
        assert window.state_store.subscriptions(demo.url, demo.client_id)
        seen: dict[str, Any] = {}

        def answer() -> None:
            dialog = window.connection_bar.dialog  # opened window-modal, no nested event loop
            assert isinstance(dialog, ConnectionDialog) and dialog.isVisible()
            seen["note"] = dialog.note_label.text() if dialog.note_label.isVisibleTo(dialog) else ""
            dialog.name_edit.setText(DEMO_PROFILE)  # the demo's own name is refused...
            qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
            seen["refused"] = dialog.result_label.text()
            dialog.name_edit.setText("lab")  # ...another is saved
            dialog.url_edit.setText(real.url)
            dialog.client_id_edit.setText(real.client_id)
            dialog.secret_edit.setText(real.client_secret)
            qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)

        window.on_add_connection()
        answer()
        assert "saved with your own connections" in seen["note"]
        assert "demo's own connection" in seen["refused"]
        assert window.connection_combo.currentData() == "lab"
        close_demo(qtbot, window)

        after = StateStore()  # as the next start opens it
        try:
            assert after.profile("lab") == Profile("lab", real.url, real.client_id)
            assert after.profile(DEMO_PROFILE) is None
            assert after.subscriptions(demo.url, demo.client_id) == []
        finally:
            after.close()
        assert secrets.get_secret(real.url, real.client_id, env=False) == real.client_secret
        assert secrets.get_secret(demo.url, demo.client_id, env=False) is None  # never stored
        secrets.delete_secret(real.url, real.client_id)


def test_a_crashed_demos_entries_go_at_the_next_start(qtbot: Any, open_window: Any) -> None:
    store = StateStore()
    store.save_profile(Profile(DEMO_PROFILE, "http://127.0.0.1:9", "demo-client"))  # nothing answers there
    store.close()
    window = open_window()
    assert window.state_store.profile(DEMO_PROFILE) is None
    assert window.connection_combo.count() == 0


def test_without_a_keyring_the_window_says_the_keyring_is_missing(qtbot: Any, open_window: Any) -> None:
    import keyring
    from keyring.backends import fail

    store = StateStore()
    store.save_profile(Profile("prod", "https://eu2-cloud.acronis.com", "client"))
    store.close()
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        window = open_window()
        assert "No usable OS keyring" in window.stream_status_label.text()
        assert "add the connection again" not in window.stream_status_label.text()
    finally:
        keyring.set_keyring(before)
