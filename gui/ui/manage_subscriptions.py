"""File ▸ Manage subscriptions…: the subscriptions remembered for the current connection, with
what this machine knows of each (the facts ``subscription show`` prints, from
``gui.storage.subscription_facts``), Copy ID, and Forget here (as ``subscription remove``: the
subscription, its consumer ID, stored offset and commit log go from this machine; it stays on the
server). One a tab streams is not forgotten under it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.storage import Profile, StateStore
from gui.storage.subscription_facts import subscription_facts
from gui.ui import managing
from gui.ui.actions import built, named
from gui.ui.connection_bar import picker_text
from gui.ui.tones import set_tone

LABELS = (
    "subscription",
    "topic",
    "types",
    "tenant scope",
    "CEL filter",
    "auto-commit",
    "session timeout",
    "consumer ID",
    "stored offset",
)


def fact_name(label: str) -> str:
    """The objectName of a fact's value: "tenant scope" -> "factTenantScope"."""
    return "fact" + "".join(word[:1].upper() + word[1:].lower() for word in label.replace("-", " ").split())


class ManageSubscriptionsDialog(QDialog):
    def __init__(self, store: StateStore, profile: Profile, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("manageSubscriptionsDialog")
        self.setWindowTitle(f"Manage subscriptions — {profile.name}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.store, self.profile, self._owner = store, profile, parent
        heading = QLabel(
            f"Subscriptions remembered on this machine for “{profile.name}” ({profile.client_id} at {profile.url})"
        )
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        self.subscriptions_list = named(QListWidget(), "subscriptionsList", "Remembered subscriptions")
        self.subscriptions_list.setMinimumWidth(300)
        self.facts: dict[str, QLabel] = {}
        form = QFormLayout()
        for label in LABELS:
            value = built(QLabel(), fact_name(label), wordWrap=True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setMinimumWidth(280)
            self.facts[label] = value
            form.addRow(label[:1].upper() + label[1:], value)
        self.copy_button = built(QPushButton(), "copySubscriptionIdButton", text="&Copy ID")
        self.forget_button = built(QPushButton(), "forgetSubscriptionButton", text="&Forget here…")
        self.forget_button.setToolTip(
            "Forget it on this machine (with its consumer ID, stored offset and commit log); it stays on the server"
        )
        self.result_label = built(QLabel(), "manageSubscriptionsResultLabel", wordWrap=True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.forget_button)
        buttons.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(buttons)
        right.addWidget(self.result_label)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.subscriptions_list)
        body.addLayout(right, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        self.subscriptions_list.currentRowChanged.connect(lambda _row: self._show(self.chosen()))
        self.copy_button.clicked.connect(self.copy_id)
        self.forget_button.clicked.connect(self.ask_forget)
        self.resize(900, 420)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        chosen = select or self.chosen()
        self.subscriptions_list.clear()
        for sub in self.store.subscriptions(self.profile.url, self.profile.client_id):
            item = QListWidgetItem(picker_text(sub))
            item.setData(Qt.ItemDataRole.UserRole, sub.subscription_id)
            item.setToolTip(sub.subscription_id)
            self.subscriptions_list.addItem(item)
            if sub.subscription_id == chosen:
                self.subscriptions_list.setCurrentItem(item)
        if self.subscriptions_list.currentItem() is None and self.subscriptions_list.count():
            self.subscriptions_list.setCurrentRow(0)
        self._show(self.chosen())

    def chosen(self) -> str | None:
        item = self.subscriptions_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _show(self, subscription_id: str | None) -> None:
        facts = (
            subscription_facts(self.store, self.profile.url, self.profile.client_id, subscription_id)
            if subscription_id
            else None
        )
        values = dict(facts or [])
        for label, widget in self.facts.items():
            widget.setText(values.get(label, "—"))
        for button in (self.copy_button, self.forget_button):
            button.setEnabled(facts is not None)
        self.say("" if facts is not None else "No subscriptions remembered for this connection.")

    def say(self, text: str, tone: str = "") -> None:
        self.result_label.setText(text)
        set_tone(self.result_label, tone)

    def copy_id(self) -> None:
        subscription_id = self.chosen()
        if subscription_id:
            QGuiApplication.clipboard().setText(subscription_id)
            self.say(f"Copied {subscription_id}.", "ok")

    def ask_forget(self) -> None:
        subscription_id = self.chosen()
        if not subscription_id:
            return
        url, client_id = self.profile.url, self.profile.client_id
        refused = managing.streaming_subscription(self._owner, url, client_id, subscription_id)
        refused = refused or managing.read_elsewhere(url, client_id, subscription_id)
        if refused:
            managing.tell(self, "subscriptionInUseBox", "Subscription in use", refused)
            return
        managing.ask(
            self,
            "forgetSubscriptionBox",
            "Forget subscription",
            f"Forget subscription {subscription_id} on this machine, with this machine's consumer ID, stored "
            "offset and commit log for it? It still exists on the server (the API cannot delete it); add it "
            "again by its ID (Add existing subscription…) to read it.",
            "Forget",
            lambda: self.forget(subscription_id),
        )

    def forget(self, subscription_id: str) -> None:
        url, client_id = self.profile.url, self.profile.client_id
        refused = managing.streaming_subscription(self._owner, url, client_id, subscription_id)
        refused = refused or managing.read_elsewhere(url, client_id, subscription_id)
        if refused:  # a stream may have started while the question was open
            self.say(refused, "error")
            return
        self.store.forget_subscription(url, client_id, subscription_id)
        managing.reload_subscriptions(self._owner, url, client_id)
        self.reload()
        self.say(f"Forgot {subscription_id} here; it stays on the server.", "ok")


def open_for(tab: QWidget, store: StateStore, profile: Profile) -> ManageSubscriptionsDialog:
    dialog = ManageSubscriptionsDialog(store, profile, tab.window())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
