"""What the managers (Manage connections, Manage subscriptions, Create subscription from the
view) need of the window around them, in one place: its tabs, which of them stream a connection
or a subscription (so nothing streaming is broken silently), a question asked without a nested
event loop, and the tabs' pickers reloaded after a change without disturbing a running stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.storage import reader_lock


def tabs(widget: QWidget) -> list[Any]:
    """The stream tabs of ``widget``'s window, in the order the tab bar shows them."""
    window = widget.window()
    listed = getattr(window, "stream_tabs", None)
    if callable(listed):
        return list(listed())
    return [widget] if widget.objectName() == "streamTab" else []


def _where(widget: QWidget, tab: Any) -> str:
    all_tabs = tabs(widget)
    return f"tab {all_tabs.index(tab) + 1}" if len(all_tabs) > 1 else "this window"


def streaming_connection(widget: QWidget, name: str) -> str:
    """Why connection ``name`` cannot change now ("" when no tab streams on it)."""
    for tab in tabs(widget):
        if tab.session.running and tab.connection_bar.connection_combo.currentData() == name:
            return (
                f"Connection “{name}” is streaming in {_where(widget, tab)}: stop that stream first "
                "(Stream ▸ Stop), then change or remove the connection."
            )
    return ""


def streaming_subscription(widget: QWidget, url: str, client_id: str, subscription_id: str) -> str:
    """Why subscription ``subscription_id`` cannot be forgotten now ("" when no tab streams it)."""
    for tab in tabs(widget):
        client = tab.connection_bar.client
        if (
            tab.session.running
            and client is not None
            and (client.dc_url, client.client_id) == (url, client_id)
            and tab.state.subscription_id == subscription_id
        ):
            return (
                f"Subscription {subscription_id[:8]}… is streaming in {_where(widget, tab)}: stop that stream "
                "first (Stream ▸ Stop), then forget it."
            )
    return ""


def read_elsewhere(url: str, client_id: str, subscription_id: str) -> str:
    """Why the subscription cannot be forgotten while another reader of this machine (a second
    window, a ``tail``) reads it with this machine's consumer ID ("" when none does). Asked after
    ``streaming_subscription``: a holder then is never one of this window's tabs."""
    try:
        reader_lock.acquire(url, client_id, subscription_id, kind="window").release()
    except reader_lock.ReaderBusy as busy:
        who = busy.holder.describe() if busy.holder else "another reader of this app"
        return f"Subscription {subscription_id[:8]}… is being read on this machine by {who}: stop it first, then forget it."
    except OSError:
        return ""  # the lock cannot be probed: nothing to say about other readers
    return ""


def ask(parent: QWidget, name: str, title: str, text: str, yes: str, on_yes: Callable[[], None]) -> QMessageBox:
    """A window-modal question (``open()``, no nested loop): ``on_yes`` runs if ``yes`` is clicked."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName(name)
    box.setTextFormat(Qt.TextFormat.PlainText)
    button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    button.setObjectName(name.removesuffix("Box") + "YesButton")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda clicked: on_yes() if clicked is button else None)
    box.open()
    return box


def tell(parent: QWidget, name: str, title: str, text: str) -> QMessageBox:
    """A window-modal notice (why something was refused), opened without a nested loop."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(name)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def reload_connections(widget: QWidget, renamed: tuple[str, str] | None = None) -> None:
    """Every tab's connection picker again; the one chosen stays chosen (a renamed one under its
    new name, reconnected; no tab streams on a connection that changed)."""
    for tab in tabs(widget):
        bar = tab.connection_bar
        if renamed is not None and bar.connection_combo.currentData() == renamed[0]:
            bar.reload_connections(select=renamed[1])
        else:
            bar.reload_connections()


def reconnect(widget: QWidget, name: str) -> None:
    """The tabs showing connection ``name`` connect again (its URL, client ID or secret changed)."""
    for tab in tabs(widget):
        if tab.connection_bar.connection_combo.currentData() == name and not tab.session.running:
            tab.connection_bar.reload_connections(select=name)


def reload_subscriptions(widget: QWidget, url: str, client_id: str, *, skip: Any = None) -> None:
    """The subscription pickers of the tabs on this URL and client ID again, each keeping its
    choice (a running stream goes on); ``skip``: a tab that reloads its own."""
    for tab in tabs(widget):
        client = tab.connection_bar.client
        if tab is not skip and client is not None and (client.dc_url, client.client_id) == (url, client_id):
            tab.connection_bar.reload_subscriptions(keep=True)
