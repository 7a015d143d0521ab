"""The window's managers driven as a user would (File ▸ Manage connections…, Manage
subscriptions…, Create subscription from the view…): the real window, the emulator over HTTP,
the real Secret Service (scripts/with-keyring). Dialogs are answered without exec: found by
objectName after the action, fields set, buttons clicked."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton

from gui.api import EventManagerClient
from gui.api.models import TENANT_EVENT_PREFIX
from gui.emulator import Emulator
from gui.storage import Profile, StateStore, reader_lock, secrets

Lab = tuple[Emulator, EventManagerClient, str]
CUSTOMER_CEL = 'data.kind == "customer"'


def trigger(qtbot: Any, window: Any, action: str, dialog: str) -> Any:
    """Run the window's command ``action`` and return the dialog it opened (by objectName)."""
    window.current.commands.by_name[action].trigger()  # the tab shown's command, as the menu bar runs it
    found: list[Any] = []
    qtbot.waitUntil(lambda: bool(found.extend(window.widget.findChildren(QDialog, dialog)) or found), timeout=5000)
    shown = found[-1]
    assert shown.isVisible() and shown.windowModality() == Qt.WindowModality.WindowModal
    return shown


def answer(qtbot: Any, parent: Any, box_name: str, *, yes: bool = True) -> str:
    """Click Yes (or Cancel) in the question ``box_name`` opened over ``parent``; its text."""
    boxes: list[Any] = []
    qtbot.waitUntil(lambda: bool(boxes.extend(parent.findChildren(QMessageBox, box_name)) or boxes), timeout=5000)
    box = boxes[-1]
    text = box.text()
    if yes:
        qtbot.mouseClick(
            box.findChild(QPushButton, box_name.removesuffix("Box") + "YesButton"), Qt.MouseButton.LeftButton
        )
    else:
        (box.button(QMessageBox.StandardButton.Cancel) or box.button(QMessageBox.StandardButton.Ok)).click()
    return str(text)


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_edit_a_connection_moves_and_rotates_its_secret(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, _sub = lab
    em.state.add_client("rotated-client", "rotated-secret")
    moved_url = em.url.replace("127.0.0.1", "localhost")
    window = open_window()
    assert window.connection_combo.currentData() == "lab"
    dialog = trigger(qtbot, window, "manageConnectionsAction", "manageConnectionsDialog")
    assert dialog.connections_list.currentItem().text() == "lab"
    assert dialog.url_edit.text() == em.url and dialog.client_id_edit.text() == em.client_id
    assert dialog.secret_edit.echoMode() == dialog.secret_edit.EchoMode.Password
    dialog.name_edit.setText("lab moved")
    dialog.url_edit.setText(moved_url)
    dialog.client_id_edit.setText("rotated-client")
    dialog.secret_edit.setText("rotated-secret")
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: "Connected" in dialog.result_label.text(), timeout=10000)
    click(qtbot, dialog.save_button)
    assert "Saved “lab moved”" in dialog.result_label.text(), dialog.result_label.text()
    assert "rotated-secret" not in dialog.result_label.text()
    assert secrets.get_secret(moved_url, "rotated-client", env=False) == "rotated-secret"
    assert secrets.get_secret(em.url, em.client_id, env=False) is None  # the old secret went
    store = StateStore()
    assert store.profile("lab") is None
    assert store.profile("lab moved") is not None and store.profile("lab moved").url == moved_url
    # the tab shows the renamed connection, connected again with the new URL and client ID
    assert window.connection_combo.currentData() == "lab moved"
    assert window.client is not None and (window.client.dc_url, window.client.client_id) == (
        moved_url,
        "rotated-client",
    )

    # a rotation: only a new secret; the keyring holds it and the old one is gone
    em.state.add_client("rotated-client", "second-secret")
    dialog.secret_edit.setText("second-secret")
    click(qtbot, dialog.save_button)
    assert "the new secret is in the OS keyring" in dialog.result_label.text()
    assert secrets.get_secret(moved_url, "rotated-client", env=False) == "second-secret"
    assert dialog.secret_edit.text() == ""
    dialog.close()
    secrets.delete_secret(moved_url, "rotated-client")


def test_remove_a_connection_asks_and_takes_its_secret(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, _sub = lab
    window = open_window()
    dialog = trigger(qtbot, window, "manageConnectionsAction", "manageConnectionsDialog")
    click(qtbot, dialog.remove_button)
    assert "Remove the connection “lab”" in answer(qtbot, dialog, "removeConnectionBox", yes=False)
    assert StateStore().profile("lab") is not None  # Cancel: nothing happened
    click(qtbot, dialog.remove_button)
    answer(qtbot, dialog, "removeConnectionBox")
    qtbot.waitUntil(lambda: StateStore().profile("lab") is None, timeout=5000)
    assert secrets.get_secret(em.url, em.client_id, env=False) is None
    assert "Removed “lab” and its secret" in dialog.result_label.text()
    assert dialog.connections_list.count() == 0 and not dialog.remove_button.isEnabled()
    assert window.connection_combo.count() == 0 and window.client is None


def test_a_streaming_connection_and_subscription_are_not_changed_under_it(
    qtbot: Any, open_window: Any, lab: Lab
) -> None:
    em, _client, sub_id = lab
    window = open_window()
    window.offset_mode_combo.setCurrentIndex(window.offset_mode_combo.findData("earliest"))
    window.start()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)
    thread = window.consumer_thread
    secrets.set_secret("https://eu2-cloud.acronis.com", "other-id", "other-secret")
    StateStore().save_profile(Profile("other", "https://eu2-cloud.acronis.com", "other-id"))
    dialog = trigger(qtbot, window, "manageConnectionsAction", "manageConnectionsDialog")
    dialog.connections_list.setCurrentRow(1)  # another connection changes while "lab" streams
    assert dialog.name_edit.text() == "other"
    dialog.name_edit.setText("other renamed")
    click(qtbot, dialog.save_button)
    assert "Saved “other renamed”" in dialog.result_label.text()
    assert window.connection_combo.findData("other renamed") >= 0 and window.connection_combo.currentData() == "lab"
    assert window.consumer_thread is thread and window.session.running  # the picker reloaded, the stream went on
    click(qtbot, dialog.remove_button)
    answer(qtbot, dialog, "removeConnectionBox")
    assert secrets.get_secret("https://eu2-cloud.acronis.com", "other-id", env=False) is None
    assert window.consumer_thread is thread and window.session.running
    dialog.connections_list.setCurrentRow(0)
    assert dialog.name_edit.text() == "lab"
    dialog.client_id_edit.setText("someone-else")
    click(qtbot, dialog.save_button)
    assert "is streaming in this window: stop that stream first" in dialog.result_label.text()
    click(qtbot, dialog.remove_button)
    assert "“lab” is streaming in this window" in answer(qtbot, dialog, "connectionInUseBox", yes=False)
    dialog.close()
    assert StateStore().profile("lab").client_id == em.client_id
    subs = trigger(qtbot, window, "manageSubscriptionsAction", "manageSubscriptionsDialog")
    click(qtbot, subs.forget_button)
    assert "is streaming in this window: stop that stream" in answer(qtbot, subs, "subscriptionInUseBox", yes=False)
    subs.close()
    assert StateStore().subscription(em.url, em.client_id, sub_id) is not None
    assert window.consumer_thread is thread and window.session.running  # the stream went on
    window.stop()


def test_manage_subscriptions_shows_copies_and_forgets(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, sub_id = lab
    StateStore().store_offset(em.url, em.client_id, sub_id, 42)
    window = open_window()
    consumer = StateStore().consumer_id(em.url, em.client_id, sub_id)
    dialog = trigger(qtbot, window, "manageSubscriptionsAction", "manageSubscriptionsDialog")
    fact = {
        name: dialog.findChild(object, name).text()
        for name in (
            "factSubscription",
            "factConsumerId",
            "factStoredOffset",
            "factTenantScope",
            "factSessionTimeout",
            "factCelFilter",
        )
    }
    assert fact["factSubscription"] == sub_id and fact["factConsumerId"] == consumer
    assert fact["factStoredOffset"] == "42" and fact["factTenantScope"].startswith("ALL")
    assert fact["factSessionTimeout"] == "PT3S" and fact["factCelFilter"] == "(none)"
    click(qtbot, dialog.copy_button)
    assert QGuiApplication.clipboard().text() == sub_id
    click(qtbot, dialog.forget_button)
    assert "still exists on the server" in answer(qtbot, dialog, "forgetSubscriptionBox")
    store = StateStore()
    assert store.subscription(em.url, em.client_id, sub_id) is None
    assert store.known_consumer_id(em.url, em.client_id, sub_id) is None
    assert store.stored_offset(em.url, em.client_id, sub_id) is None
    assert sub_id in em.state.subscriptions  # only forgotten here
    assert dialog.subscriptions_list.count() == 0 and window.subscription_combo.count() == 0
    assert window.subscription is None


def test_a_subscription_another_reader_holds_is_not_forgotten(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, sub_id = lab
    window = open_window()
    with reader_lock.acquire(em.url, em.client_id, sub_id, kind="tail"):  # as `event-monitor tail` would
        dialog = trigger(qtbot, window, "manageSubscriptionsAction", "manageSubscriptionsDialog")
        click(qtbot, dialog.forget_button)
        said = answer(qtbot, dialog, "subscriptionInUseBox", yes=False)
        assert f"is being read on this machine by `event-monitor tail` (process {os.getpid()}, since" in said, said
    assert StateStore().subscription(em.url, em.client_id, sub_id) is not None
    click(qtbot, dialog.forget_button)  # the reader stopped: now it may go
    answer(qtbot, dialog, "forgetSubscriptionBox")
    assert StateStore().subscription(em.url, em.client_id, sub_id) is None


def choose_types(window: Any, types: list[str]) -> None:
    window.filter_bar.add_types(types)
    for action in window.filter_bar.type_menu.actions():
        action.setChecked(action.data() in types)


def test_create_a_subscription_from_the_view(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, sub_id = lab
    window = open_window()
    window.offset_mode_combo.setCurrentIndex(window.offset_mode_combo.findData("earliest"))
    window.start()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)
    first = window.current
    thread = window.consumer_thread
    window.current.commands.new_tab.trigger()  # a second tab: the view is made there
    assert window.current is not first
    types = [TENANT_EVENT_PREFIX + "created.v1.0", TENANT_EVENT_PREFIX + "updated.v1.0"]
    choose_types(window, types)
    window.cel_filter_edit.setText(CUSTOMER_CEL)
    window.filter_edit.setText("acme")  # stays local: said so
    dialog = trigger(qtbot, window, "createSubscriptionFromViewAction", "createFromViewDialog")
    assert not dialog.problem_label.isVisible() and dialog.create_button.isEnabled()
    assert "text filter “acme”" in dialog.note_label.text()
    click(qtbot, dialog.create_button)
    qtbot.waitUntil(lambda: dialog.created is not None, timeout=10000)
    created = dialog.created
    on_server = em.state.subscriptions[created.subscription_id]
    assert sorted(on_server.spec["types"]) == sorted(types)
    assert on_server.spec["cel"] == CUSTOMER_CEL and on_server.cel is not None
    assert StateStore().subscription(em.url, em.client_id, created.subscription_id) == created
    # chosen in this tab, marked as filtered; the first tab streams on, its picker offers it too
    combo = window.subscription_combo
    assert combo.currentData() == created.subscription_id
    assert combo.currentText().startswith("▽ CEL  ")
    assert CUSTOMER_CEL in combo.itemData(combo.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    assert first.session.running and first.consumer_thread is thread and first.state.subscription_id == sub_id
    assert first.connection_bar.subscription_combo.findData(created.subscription_id) >= 0
    assert first.connection_bar.subscription_combo.currentData() == sub_id
    first.stop()


def test_a_view_the_server_cannot_take_is_refused_with_what_is_wrong(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, _sub = lab
    window = open_window()
    choose_types(window, [f"{TENANT_EVENT_PREFIX}kind{n}.v1.0" for n in range(33)])
    window.cel_filter_edit.setText('data.kind == "' + "x" * 4100 + '"')
    dialog = trigger(qtbot, window, "createSubscriptionFromViewAction", "createFromViewDialog")
    text = dialog.problem_label.text()
    assert "33 event types are chosen in the type filter; a subscription takes at most 32: choose 1 fewer" in text
    assert "The CEL filter is 4,115 characters long; the server takes at most 4,096: shorten it by 19" in text
    assert dialog.problem_label.isVisible() and not dialog.create_button.isEnabled()
    dialog.reject()
    window.cel_filter_edit.setText("data.kind ==")  # an invalid CEL is said too, before anything is sent
    choose_types(window, [TENANT_EVENT_PREFIX + "created.v1.0"])
    dialog = trigger(qtbot, window, "createSubscriptionFromViewAction", "createFromViewDialog")
    assert "The CEL filter is not valid" in dialog.problem_label.text() and not dialog.create_button.isEnabled()
    assert len(em.state.subscriptions) == 1  # nothing was sent


def test_the_picker_marks_a_filtered_subscription(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, client, _sub = lab
    from tests.conftest import make_subscription

    filtered = make_subscription(client, cel=CUSTOMER_CEL, tenant_depth="CURRENT")
    StateStore().save_subscription(em.url, em.client_id, filtered)
    window = open_window()
    combo = window.subscription_combo
    plain, marked = (combo.itemText(i) for i in range(2))
    assert "▽" not in plain
    assert marked.startswith("▽ CEL + tenant  ")
    tip = combo.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert f"CEL: {CUSTOMER_CEL}" in tip and "tenant scope CURRENT" in tip
