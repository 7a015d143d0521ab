"""Stream ▸ Create subscription from the view…: the tab's type filter, tenant and CEL filter become
the server-side filter of a new subscription on the tab's topic (``gui.eventlog.server_filter``
checks them against the server's limits first and says exactly what is wrong). The dialog shows
what will be created; Create sends it off the UI thread, and the new subscription is remembered
and chosen in the tab (other tabs keep their streams)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
)

from gui.api import Subscription
from gui.api.errors import ApiError, SubscriptionExists, refused_for_sure
from gui.api.models import TENANT_DEPTHS, TENANT_TOPIC, short_type
from gui.eventlog import server_filter
from gui.eventlog.view import ViewSpec
from gui.storage.subscription_facts import SCOPES
from gui.ui import background, managing, message
from gui.ui.actions import built, named
from gui.ui.tones import set_tone


class SubscriptionFromViewDialog(QDialog):
    def __init__(self, tab: Any, view: ViewSpec, topic_id: str) -> None:
        super().__init__(tab.window())
        self.setObjectName("createFromViewDialog")
        self.setWindowTitle("Create subscription from the view")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.tab, self.view, self.topic_id = tab, view, topic_id
        self.created: Subscription | None = None
        self.types_label = built(QLabel(), "fromViewTypesLabel", wordWrap=True)
        shown = [short_type(t) for t in view.types]
        self.types_label.setText(
            f"{len(shown)}: {', '.join(shown[:8])}{' …' if len(shown) > 8 else ''}"
            if shown
            else "all of the topic (none chosen in the type filter)"
        )
        self.types_label.setToolTip("\n".join(view.types))
        self.depth_combo = named(QComboBox(), "fromViewDepthCombo", "Tenant depth")
        for depth in TENANT_DEPTHS:
            self.depth_combo.addItem(f"{depth}: {SCOPES[depth]}", depth)
        self.cel_view = named(QPlainTextEdit(view.cel or "(none)"), "fromViewCelText", "CEL filter")
        self.cel_view.setReadOnly(True)
        self.cel_view.setMaximumHeight(72)
        self.auto_commit = built(QCheckBox("Auto-commit on the server"), "fromViewAutoCommitCheck")
        form = QFormLayout()
        for label, value in (
            ("Topic", QLabel(topic_id)),
            ("Event types", self.types_label),
            ("Tenant", QLabel(view.tenant or "every tenant the API client sees")),
            ("Tenant depth", self.depth_combo),
            ("CEL filter", self.cel_view),
            ("", self.auto_commit),
            ("Session timeout", QLabel("30 s")),
        ):
            if isinstance(value, QLabel):
                value.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(label, value)
        form.setRowVisible(self.depth_combo, bool(view.tenant))  # a depth says something only of a tenant
        local = server_filter.local_only(view)
        streaming = tab.session.running
        notes = [
            "The server will send only the events these filters match.",
            *([f"Stays in the window (a subscription cannot filter by it): {', '.join(local)}."] if local else []),
            *(
                ["Creating it stops this tab's stream to show the new subscription; other tabs stream on."]
                if streaming
                else []
            ),
        ]
        self.note_label = built(QLabel("\n".join(notes)), "fromViewNoteLabel", wordWrap=True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label = built(QLabel(), "fromViewProblemLabel", wordWrap=True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_tone(self.problem_label, "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create")
        self.create_button.setObjectName("fromViewCreateButton")
        self.buttons.accepted.connect(self.create_subscription)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        problems = server_filter.problems(view)
        self.problem_label.setText("\n".join(f"✘ {p}" for p in problems))
        self.problem_label.setVisible(bool(problems))
        self.create_button.setEnabled(not problems)
        self.resize(620, self.sizeHint().height())

    def spec(self) -> Subscription:
        return server_filter.subscription_from_view(
            self.view,
            self.topic_id,
            tenant_depth=str(self.depth_combo.currentData()),
            auto_commit=self.auto_commit.isChecked(),
        )

    def fail(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.show()
        self.buttons.setEnabled(True)

    def create_subscription(self) -> None:
        client = self.tab.connection_bar.client
        if client is None:
            self.fail("This tab has no connection to create it on.")
            return
        try:
            spec = self.spec()
        except ValueError as err:
            self.fail(str(err))
            return
        store, url, client_id = self.tab.state_store, client.dc_url, client.client_id
        store.save_subscription(url, client_id, spec)  # before it is sent: an answer lost leaves no orphan
        self.buttons.setEnabled(False)
        self.problem_label.hide()

        def failed(err: Exception) -> None:
            if isinstance(err, ApiError) and (refused_for_sure(err) or isinstance(err, SubscriptionExists)):
                store.remove_subscription(url, client_id, spec.subscription_id)
                self.fail(f"{str(err).rstrip('.')}. Nothing was created.")
            else:
                self.fail(
                    f"{str(err).rstrip('.')}. Subscription {spec.subscription_id} may or may not exist on the "
                    "server; it is remembered here (Manage subscriptions… forgets it)."
                )
                managing.reload_subscriptions(self.tab, url, client_id)

        background.run(self, lambda: client.create_subscription(spec), self._created, failed)

    def _created(self, created: Subscription) -> None:
        client = self.tab.connection_bar.client
        if client is not None:
            self.tab.state_store.save_subscription(client.dc_url, client.client_id, created)
            self.tab.connection_bar.reload_subscriptions(select=created.subscription_id)
            managing.reload_subscriptions(self.tab, client.dc_url, client.client_id, skip=self.tab)
        self.created = created
        message.info(
            self.tab, f"Created subscription {created.subscription_id[:8]}… from the view; Start (F5) reads it"
        )
        self.accept()


def open_for(tab: Any) -> SubscriptionFromViewDialog | None:
    """The dialog for ``tab``'s current view (None, and why said, when the tab has no connection)."""
    if tab.connection_bar.client is None:
        message.info(tab, "Choose a connection (with its secret) first: the subscription is created on it")
        return None
    sub = tab.connection_bar.subscription
    dialog = SubscriptionFromViewDialog(tab, tab.saved_views.editor.current(), sub.topic_id if sub else TENANT_TOPIC)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
