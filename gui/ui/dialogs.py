"""Dialogs: connection, new subscription, add existing subscription."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.api import EventManagerClient, Subscription
from gui.api.client import normalize_dc_url
from gui.api.errors import ApiError, refused_for_sure
from gui.api.models import TENANT_DEPTHS, TENANT_TOPIC, EventType, Topic, all_types_pattern, short_type
from gui.eventlog.cel import check as check_cel
from gui.ui import background
from gui.ui.actions import built
from gui.ui.tones import set_tone

RunAsync = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


class ConnectionDialog(QDialog):
    """Data center URL, client ID and secret (dots only), with "Test connection"."""

    def __init__(
        self,
        run_async: RunAsync | None = None,
        parent: QWidget | None = None,
        *,
        reserved: tuple[str, ...] = (),
        insecure_http: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectionDialog")
        self._insecure_http = insecure_http  # --insecure-http: plain http:// to a non-loopback host allowed
        self._reserved = reserved  # names taken by the app itself (the demo's connection)
        self.setWindowTitle("Add connection")
        # its own background work: an answer after the dialog closed is dropped with it
        self._run_async = run_async or background.runner(self)
        self.name_edit = built(QLineEdit(), "connectionNameEdit", placeholderText="e.g. EU2 production")
        self.url_edit = built(QLineEdit(), "connectionUrlEdit", placeholderText="https://eu2-cloud.acronis.com")
        self.client_id_edit = built(QLineEdit(), "connectionClientIdEdit")
        self.secret_edit = built(QLineEdit(), "connectionSecretEdit")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.test_button = built(QPushButton("Test connection"), "testConnectionButton")
        self.result_label = built(QLabel(), "connectionResultLabel", wordWrap=True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Data center URL", self.url_edit)
        form.addRow("Client ID", self.client_id_edit)
        form.addRow("Client secret", self.secret_edit)
        form.addRow("", self.test_button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("The secret is stored in the OS keyring, never in a file."))
        self.note_label = built(QLabel(), "connectionNoteLabel", wordWrap=True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.hide()
        layout.addWidget(self.note_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.test_button.clicked.connect(self.on_test_clicked)

    def values(self) -> tuple[str, str, str, str]:
        return (
            self.name_edit.text().strip(),
            self.url_edit.text().strip(),
            self.client_id_edit.text().strip(),
            self.secret_edit.text(),
        )

    def set_note(self, text: str) -> None:
        """A line above the buttons saying where the connection will live."""
        self.note_label.setText(text)
        self.note_label.show()

    def _problem(self) -> str | None:
        name, url, client_id, secret = self.values()
        if name in self._reserved:
            return f"“{name}” is the demo's own connection: choose another name."
        if not url or not client_id or not secret:
            return "Data center URL, client ID and secret are all needed."
        try:
            normalize_dc_url(url, allow_insecure_http=self._insecure_http)
        except ApiError as err:
            return str(err)
        return None

    def on_test_clicked(self) -> None:
        problem = self._problem()
        if problem:
            self.result_label.setText(problem)
            return
        _, url, client_id, secret = self.values()
        self.result_label.setText("Testing…")
        self.test_button.setEnabled(False)

        def work() -> list[Topic]:
            client = EventManagerClient(url, client_id, secret, allow_insecure_http=self._insecure_http)
            try:
                return client.topics()
            finally:
                client.close()

        def ok(topics: list[Topic]) -> None:
            self.test_button.setEnabled(True)
            self.result_label.setText(f"✔ Connected: token issued, {len(topics)} topics readable.")

        def failed(err: Exception) -> None:
            self.test_button.setEnabled(True)
            self.result_label.setText(f"✘ {err}")

        self._run_async(work, ok, failed)

    def _accept(self) -> None:
        problem = self._problem()
        if problem:
            self.result_label.setText(problem)
            return
        if not self.name_edit.text().strip():
            self.name_edit.setText(self.client_id_edit.text().strip()[:8] + "@" + self.url_edit.text().strip())
        self.accept()


class SubscriptionDialog(QDialog):
    """New subscription: topic and types from the API, tenant depth and ID, auto-commit, session timeout, CEL."""

    def __init__(
        self,
        client: EventManagerClient,
        run_async: RunAsync | None = None,
        parent: QWidget | None = None,
        *,
        remember: Callable[[Subscription], None] = lambda _spec: None,
        forget: Callable[[Subscription], object] = lambda _spec: None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("subscriptionDialog")
        self.setWindowTitle("New subscription")
        self._client = client
        self._run_async = run_async or background.runner(self)  # its own: dropped if it closes first
        # the ID is remembered before it is sent (an answer lost, or the dialog closed meanwhile,
        # leaves no subscription nobody knows of) and forgotten when the server surely refused it
        self._remember, self._forget = remember, forget
        self.topic_combo = built(QComboBox(), "topicCombo")
        self.types_list = built(QListWidget(), "typesList")
        self.types_list.setMinimumHeight(180)
        self.depth_combo = built(QComboBox(), "tenantDepthCombo")
        self.depth_combo.addItems(list(TENANT_DEPTHS))
        self.depth_combo.setCurrentText("ALL")
        self.tenant_edit = built(QLineEdit(), "tenantIdEdit", placeholderText="default: this connection's own tenant")
        self.auto_commit = built(QCheckBox("Auto-commit on the server"), "autoCommitCheck")
        self.session_spin = built(QSpinBox(), "sessionTimeoutSpin", minimum=5, maximum=600, value=30, suffix=" s")
        self.cel_edit = built(
            QLineEdit(), "subscriptionCelEdit", placeholderText='optional, e.g. data.kind == "customer"'
        )
        self.error_label = built(QLabel(), "subscriptionErrorLabel", wordWrap=True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
        set_tone(self.error_label, "error")
        form = QFormLayout()
        form.addRow("Topic", self.topic_combo)
        form.addRow("Event types", self.types_list)
        form.addRow("Tenant depth", self.depth_combo)
        form.addRow("Tenant ID", self.tenant_edit)
        form.addRow("", self.auto_commit)
        form.addRow("Session timeout", self.session_spin)
        form.addRow("CEL filter", self.cel_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.topic_combo.currentIndexChanged.connect(self._load_types)
        self.created: Subscription | None = None
        self._types: list[EventType] = []
        self._run_async(client.topics, self._set_topics, self._show_error)

    def _show_error(self, err: Exception) -> None:
        self.error_label.setText(str(err))

    def _set_topics(self, topics: list[Topic]) -> None:
        for topic in topics:
            self.topic_combo.addItem(topic.id, topic.id)
        index = self.topic_combo.findData(TENANT_TOPIC)
        self.topic_combo.setCurrentIndex(max(index, 0))

    def _load_types(self) -> None:
        topic = self.topic_combo.currentData()
        if topic:
            self._run_async(lambda: self._client.types(topic), self._set_types, self._show_error)

    def _set_types(self, types: list[EventType]) -> None:
        self.types_list.clear()
        topic = self.topic_combo.currentData()
        wildcard = QListWidgetItem(f"All types of this topic  ({all_types_pattern(topic)})")
        wildcard.setData(Qt.ItemDataRole.UserRole, all_types_pattern(topic))
        wildcard.setCheckState(Qt.CheckState.Checked)
        self.types_list.addItem(wildcard)
        for event_type in types:
            item = QListWidgetItem(short_type(event_type.id))
            item.setToolTip(event_type.id)
            item.setData(Qt.ItemDataRole.UserRole, event_type.id)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.types_list.addItem(item)

    def selected_types(self) -> tuple[str, ...]:
        out = []
        for i in range(self.types_list.count()):
            item = self.types_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return tuple(out)

    def spec(self) -> Subscription:
        cel = self.cel_edit.text().strip() or None
        if cel:
            problem = check_cel(cel)
            if problem:
                raise ValueError(problem)
        return Subscription(
            subscription_id=str(uuid.uuid4()),
            topic_id=self.topic_combo.currentData() or "",
            types=self.selected_types(),
            tenant_depth=self.depth_combo.currentText(),
            tenant_id=self.tenant_edit.text().strip() or None,
            auto_commit=self.auto_commit.isChecked(),
            session_timeout=f"PT{self.session_spin.value()}S",
            cel=cel,
        )

    def _accept(self) -> None:
        try:
            spec = self.spec()
        except ValueError as err:
            self.error_label.setText(str(err))
            return
        self.buttons.setEnabled(False)
        self._remember(spec)

        def done(created: Subscription) -> None:
            self.created = created
            self.accept()

        def failed(err: Exception) -> None:
            if isinstance(err, ApiError) and refused_for_sure(err, 1):
                self._forget(spec)
            self.buttons.setEnabled(True)
            self._show_error(err)

        self._run_async(lambda: self._client.create_subscription(spec), done, failed)


class AddSubscriptionDialog(QDialog):
    """Remember an existing subscription by its ID (there is no API that lists them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add existing subscription")
        self.id_edit = built(QLineEdit(), "existingSubscriptionIdEdit", placeholderText="subscription UUID")
        self.topic_edit = built(QLineEdit(TENANT_TOPIC), "existingTopicEdit")
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
        form = QFormLayout()
        form.addRow("Subscription ID", self.id_edit)
        form.addRow("Topic", self.topic_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.chosen: Subscription | None = None  # the subscription entered (accepted)

    def _accept(self) -> None:
        topic = self.topic_edit.text().strip()
        try:
            self.chosen = Subscription(self.id_edit.text().strip(), topic, (all_types_pattern(topic),))
        except ValueError as err:
            self.error_label.setText(str(err))
            return
        self.accept()


def show_about(parent: QWidget, data_dir: object) -> None:
    """Help ▸ About: the version and where local data is kept (window-modal, no nested loop)."""
    from gui import __version__

    box = QMessageBox(
        QMessageBox.Icon.Information,
        "About Event Monitor",
        f"Event Monitor {__version__}\n\nWatches the Acronis Cyber Platform event stream.\nLocal data: {data_dir}",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("aboutBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
