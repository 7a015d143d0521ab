"""The Stream health panel: "why no events?" (View ▸ Stream health, or a click on the stream's status).

A non-modal window beside the main one: the answer in one sentence, then who leads the subscription,
the stream (caught up or behind, where it started, lost and skipped sequences), the subscription as
the server has it (the topic's retention, consolidation and persistency), the offsets (the server's
committed one beside this machine's stored one) and the token's expiry, and the last 20 polls.
"Copy as text" puts all of it on the clipboard for a support ticket, never a secret. What it says
is made in ``gui.ui.health_report``; it shows the tab's ``StreamState`` and what it asks the server
(the topic and the committed offset) when it opens and on Refresh."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCursor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.api import EventManagerClient, Subscription
from gui.storage import StateStore
from gui.ui import background, message
from gui.ui.actions import built
from gui.ui.health_report import POLL_COLUMNS, Asked, Section, as_text, poll_row, sections, verdict
from gui.ui.stream_state import StreamState
from gui.ui.tones import set_tone

Context = Callable[[], tuple[EventManagerClient | None, Subscription | None, StateStore]]
RENDER_MS = 300  # at most ~3 redraws a second while it is open


class HealthDialog(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("streamHealthPanel")
        self.setWindowTitle("Stream health")
        self.setAccessibleName("Stream health")
        self.setModal(False)
        self.resize(960, 640)  # fits a 1024×700 screen
        self.verdict = QLabel()
        self.verdict.setObjectName("healthVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        # two columns: who leads and the stream; the subscription and the offsets
        self.columns = (QVBoxLayout(), QVBoxLayout())
        self.grid = QHBoxLayout()
        for column in self.columns:
            column.addStretch(1)
            self.grid.addLayout(column, 1)
        self.boxes: dict[str, tuple[QGroupBox, QFormLayout, list[QLabel]]] = {}
        self.polls = built(QTableWidget(0, len(POLL_COLUMNS)), "healthPollTable")
        self.polls.setHorizontalHeaderLabels(list(POLL_COLUMNS))
        self.polls.verticalHeader().setVisible(False)
        self.polls.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.polls.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.polls.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.polls.setAccessibleName("The last polls")
        self.refresh_button = built(QPushButton("Refresh"), "healthRefreshButton")
        self.refresh_button.setToolTip("Ask the server again for the topic and the committed offset")
        self.copy_button = built(QPushButton("Copy as text"), "healthCopyButton")
        self.copy_button.setToolTip("Everything here as plain text, for a support ticket (no secret in it)")
        close = built(QPushButton("Close"), "healthCloseButton")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addLayout(self.grid)
        polls_title = QLabel("Last polls (newest at the bottom)")
        layout.addWidget(polls_title)
        layout.addWidget(self.polls, 1)
        layout.addLayout(buttons)

    def show_sections(self, parts: list[Section]) -> None:
        for part in parts:
            entry = self.boxes.get(part.title)
            if entry is None or len(entry[2]) != len(part.rows) or self._labels(entry[1]) != [r[0] for r in part.rows]:
                entry = self._box(part, entry)
            for value_label, (_label, value, tone) in zip(entry[2], part.rows, strict=True):
                if value_label.text() != value:
                    value_label.setText(value)
                set_tone(value_label, tone)

    @staticmethod
    def _labels(form: QFormLayout) -> list[str]:
        out = []
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            widget = item.widget() if item is not None else None
            out.append(widget.text().removesuffix(":") if isinstance(widget, QLabel) else "")
        return out

    def _box(
        self, part: Section, old: tuple[QGroupBox, QFormLayout, list[QLabel]] | None
    ) -> tuple[QGroupBox, QFormLayout, list[QLabel]]:
        if old is None:
            box = QGroupBox(part.title)
            box.setObjectName("health" + part.title.title().replace(" ", "") + "Box")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            column = self.columns[part.title in ("Subscription", "Offsets and token")]
            column.insertWidget(column.count() - 1, box)
        else:
            box, form, _values = old
            while form.rowCount():
                form.removeRow(0)
        values = []
        for label, _value, _tone in part.rows:
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label + ":", value)
            values.append(value)
        entry = (box, form, values)
        self.boxes[part.title] = entry
        return entry

    def show_polls(self, rows: list[tuple[str, ...]], notes: list[str]) -> None:
        self.polls.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = self.polls.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.polls.setItem(r, c, item)
                item.setText(text)
                item.setToolTip(notes[r])
                align = Qt.AlignmentFlag.AlignLeft if c == 0 else Qt.AlignmentFlag.AlignRight
                item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        if rows:
            self.polls.scrollToBottom()


class StreamHealth(QObject):
    """Opens the panel (the action, a click on the stream's status) and keeps it up to date."""

    def __init__(
        self,
        state: StreamState,
        context: Context,
        action: QAction,
        status_label: QLabel,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.state, self.context, self._parent = state, context, parent
        self.dialog: HealthDialog | None = None
        self.asked = Asked()
        self.text = ""  # the last text shown, as "Copy as text" gives it
        action.triggered.connect(self.open)
        self._label = status_label
        status_label.installEventFilter(self)
        status_label.setCursor(QCursor(Qt.CursorShape.PointingHandCursor))
        self._timer = QTimer(self, singleShot=True, interval=RENDER_MS)
        self._timer.timeout.connect(self.render)
        for signal in (state.polled, state.status_changed, state.counts_changed, state.lag_changed):
            signal.connect(self._soon)
        state.reset.connect(self._on_reset)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.MouseButtonRelease and watched is self._label:
            self.open()
        return False

    def open(self) -> None:
        if self.dialog is None:
            self.dialog = HealthDialog(self._parent.window())
            self.dialog.refresh_button.clicked.connect(self.ask)
            self.dialog.copy_button.clicked.connect(self.copy)
        self.ask()
        self.render()
        if self.dialog.isVisible():  # already open, behind the window: brought forward
            self.dialog.raise_()
            self.dialog.activateWindow()
        self.dialog.show()

    def close(self) -> None:
        """Its tab goes: so does its panel."""
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _on_reset(self) -> None:
        background.cancel(self, "health")  # an answer about the stream before is not this one's
        self.asked = Asked()
        if self.dialog is not None and self.dialog.isVisible():
            self.ask()
        self._soon()

    def _soon(self, *_: object) -> None:
        if self.dialog is not None and self.dialog.isVisible() and not self._timer.isActive():
            self._timer.start()

    def ask(self) -> None:
        """The topic's properties and the committed offset, from the server (off the UI thread)."""
        client, sub, _store = self.context()
        if client is None or sub is None:
            return

        def work() -> Asked:
            topic = next((t for t in client.topics(sub.topic_id) if t.id == sub.topic_id), None)
            return Asked(topic, client.committed_offset(sub.subscription_id), time.time())

        def failed(err: Exception) -> None:
            self.asked.failure = str(err)
            self.render()

        def done(asked: Asked) -> None:
            self.asked = asked
            self.render()

        background.run(self, work, done, failed, key="health")

    def render(self) -> None:
        client, sub, store = self.context()
        stored = None
        if client is not None and sub is not None:
            try:
                stored = store.stored_offset(client.dc_url, client.client_id, sub.subscription_id)
            except Exception:  # the local store unreadable: said elsewhere
                stored = None
        parts = sections(self.state, client, sub, stored, self.asked)
        said, tone = verdict(self.state, self.asked)
        connection = f"{client.dc_url} (client ID {client.client_id})" if client is not None else ""
        self.text = as_text(self.state, said, parts, connection)
        dialog = self.dialog
        if dialog is None:
            return
        dialog.verdict.setText(said)
        set_tone(dialog.verdict, tone, bold=True)
        dialog.show_sections(parts)
        dialog.show_polls([poll_row(p) for p in self.state.polls], [p.note for p in self.state.polls])

    def copy(self) -> None:
        self.render()
        QGuiApplication.clipboard().setText(self.text)
        message.info(self._parent, "Stream health copied as text (no secret in it)")
