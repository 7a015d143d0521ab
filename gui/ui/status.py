"""The status bar and the banner over the table: the stream's state at a glance, its counters,
and the one path for messages to the user (``tell`` for passing notices, ``show_status`` for the
stream, ``error`` for failures that need reading)."""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QStatusBar, QWidget

from gui.api.models import explain_skips
from gui.ui.session import StreamStatus

MESSAGE_MS = 8000  # how long a passing message stays in the status bar
# the state's colour on the status text: readable on light and dark status bars
_COLOURS = {"streaming": "#2e9d4f", "waiting": "#2e9d4f", "paused": "#c77c00", "backing_off": "#d9534f"}


class ElidedLabel(QLabel):
    """One line of text that ends in "…" where the room runs out, the whole of it in the tooltip:
    a long error in the status bar neither widens the window nor loses its end."""

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(80, super().minimumSizeHint().height())

    def paintEvent(self, _event: object) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            room = self.contentsRect()
            text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
            painter.drawText(room, int(self.alignment()), text)
        finally:
            painter.end()


class SteadyLabel(QLabel):
    """A label of fixed size that grows only when a text needs more room (never shrinks): a new
    figure each second then repaints the label alone. A label whose size hint changes asks its
    parents to lay out again, and the status bar's parents are the whole window (measured: the
    window laid out and repainted whole about 13 times a second while streaming)."""

    def __init__(self, text: str = "", widest: str = "") -> None:
        super().__init__(text)
        self._room(widest or text)

    def _room(self, text: str) -> None:
        width = self.fontMetrics().horizontalAdvance(text) + 6
        if width > self.minimumWidth() or self.minimumWidth() != self.maximumWidth():
            self.setFixedSize(max(width, self.minimumWidth()), super().sizeHint().height())

    def setText(self, text: str) -> None:  # noqa: N802
        if text != self.text():
            if self.fontMetrics().horizontalAdvance(text) + 6 > self.width():
                self._room(text)
            super().setText(text)


def _label(text: str, name: str, accessible: str, cls: type[QLabel] = QLabel) -> QLabel:
    label = cls(text)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
    return label


class StreamBanner(QWidget):
    """Over the table while the stream is down: what failed, when the next attempt is, Retry now."""

    retry_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("streamBanner")
        self.setAutoFillBackground(True)
        self.text = _label("", "streamBannerLabel", "Stream problem", ElidedLabel)
        self.retry = QPushButton("Retry now", objectName="bannerRetryButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.retry)
        self.retry.clicked.connect(self.retry_clicked)
        self.setStyleSheet("#streamBanner { background: #b3261e; } #streamBanner QLabel { color: white; }")
        self.hide()


class LagSparkline(QWidget):
    """The lag's last readings (one every few seconds) as a line in the status bar; hover for figures."""

    POINTS = 60

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("lagSparkline")
        self.setAccessibleName("Lag over the last few minutes")
        self.setFixedSize(64, 16)
        self.values: list[int] = []

    def add(self, lag: int | None) -> None:
        if lag is None:
            return
        self.values = [*self.values[-(self.POINTS - 1) :], max(lag, 0)]
        self.setToolTip(
            f"Lag over the last {len(self.values)} readings: now {self.values[-1]:,}, "
            f"highest {max(self.values):,}, lowest {min(self.values):,}"
        )
        self.update()

    def clear(self) -> None:
        self.values = []
        self.setToolTip("")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if len(self.values) < 2:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        high = max(max(self.values), 1)
        w, h = self.width() - 2, self.height() - 3
        step = w / (self.POINTS - 1)
        start = self.POINTS - len(self.values)
        points = [QPointF(1 + (start + i) * step, 1 + h - v / high * h) for i, v in enumerate(self.values)]
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5))
        painter.drawPolyline(points)


class StatusPanel:
    """Builds the window's status bar and the banner; the window feeds it states and counts."""

    def __init__(self, bar: QStatusBar, window: QWidget) -> None:
        self.bar = bar
        self.window = window
        self.stream_status_label = _label("stopped", "streamStatusLabel", "Stream status", ElidedLabel)
        self.rate_label = _label("0 ev/s", "rateLabel", "Events per second", SteadyLabel)
        self.event_count_label = _label("0 events", "eventCountLabel", "Event count", SteadyLabel)
        self.gap_label = _label("0 gaps", "gapLabel", "Gaps", SteadyLabel)
        self.skip_reasons: tuple[str, ...] = ()  # what explains skipped sequences for the subscription
        self.lag_label = _label("lag —", "lagLabel", "Lag", SteadyLabel)
        self.lag_sparkline = LagSparkline()
        self.last_poll_label = _label("last poll —", "lastPollLabel", "Last poll", SteadyLabel)
        self.committed_offset_label = _label("committed —", "committedOffsetLabel", "Committed offset", SteadyLabel)
        self.retry_button = QPushButton("Retry now", objectName="retryButton")
        self.retry_button.setAccessibleName("Retry now")
        self.retry_button.setToolTip("Retry the connection now instead of waiting for the next attempt")
        self.retry_button.setVisible(False)
        self.banner = StreamBanner()
        self.status = StreamStatus("stopped", "stopped")
        self.local_time = False
        self.bar.addWidget(self.stream_status_label)
        self.bar.addWidget(self.retry_button)
        self.bar.addWidget(QWidget(), 1)
        for widget in (
            self.rate_label,
            self.event_count_label,
            self.gap_label,
            self.lag_sparkline,
            self.lag_label,
            self.last_poll_label,
            self.committed_offset_label,
        ):
            self.bar.addPermanentWidget(widget)
        for label, widest in (
            (self.rate_label, "10,000 ev/s"),
            (self.event_count_label, "10,000,000 events"),
            (self.gap_label, "10,000 gaps"),
            (self.lag_label, "lag 10,000,000"),
            (self.last_poll_label, "last poll 00:00:00Z"),
        ):
            assert isinstance(label, SteadyLabel)
            label._room(widest)

    def show_status(self, status: StreamStatus, *, can_retry: bool) -> None:
        self.status = status
        self.stream_status_label.setText(status.message)
        colour = _COLOURS.get(status.state) or ("#d9534f" if status.error else "")
        self.stream_status_label.setStyleSheet(f"color: {colour}; font-weight: bold" if colour else "")
        waiting = status.state in ("backing_off", "rate_limited") and can_retry
        self.retry_button.setVisible(waiting)
        self.banner.retry.setVisible(waiting)
        problem = status.error or status.state in ("backing_off", "rate_limited")
        if problem:
            self.banner.text.setText(status.message)
        self.banner.setVisible(problem)
        if status.down or status.state == "paused":
            self.rate_label.setText("held" if status.state == "paused" else "— ev/s")
            if status.state != "paused":
                self.lag_label.setText("lag —")

    def show_counts(
        self,
        *,
        rate: float,
        total: int,
        gaps: int,
        last_poll: float,
        lost: int = 0,
        lost_span: tuple[int, int] | None = None,
    ) -> None:
        if not (self.status.down or self.status.state == "paused"):
            self.rate_label.setText(f"{rate:,.0f} ev/s")
        self.event_count_label.setText(f"{total:,} events")
        text = f"{gaps:,} gap" + ("" if gaps == 1 else "s")
        if lost:
            text += f", {lost:,} lost"
        if text != self.gap_label.text():
            lost_where = f" (sequences {lost_span[0]:,}–{lost_span[1]:,})" if lost_span else ""
            self.gap_label.setText(text)
            self.gap_label.setStyleSheet("color: #d9534f; font-weight: bold" if lost else "")
            self.gap_label.setToolTip(
                f"{gaps:,} places where sequences were skipped. {explain_skips(self.skip_reasons)}"
                + (
                    f"\n{lost:,} events lost{lost_where}: removed by the topic's retention before they were read"
                    if lost
                    else ""
                )
            )
        if last_poll:
            if self.local_time:
                text = time.strftime("%H:%M:%S", time.localtime(last_poll))
            else:
                text = time.strftime("%H:%M:%SZ", time.gmtime(last_poll))
            self.last_poll_label.setText("last poll " + text)

    def show_lag(self, lag: int | None) -> None:
        live = not (self.status.down or self.status.state == "paused")
        self.lag_label.setText(f"lag {lag:,}" if lag is not None and live else "lag —")
        if live:
            self.lag_sparkline.add(lag)

    def show_committed(self, offset: int | None, word: str = "Committed") -> None:
        """The offset committed, said as the commit mode does ("committed" or "stored")."""
        self.committed_offset_label.setText(f"{word.lower()} {'—' if offset is None else f'{offset:,}'}")

    def tell(self, text: str) -> None:
        """A passing message (an action's outcome, a notification rule's hit): shown over the
        stream status for a few seconds, which then comes back."""
        self.bar.showMessage(text, MESSAGE_MS)

    def error(self, title: str, text: str) -> None:
        """A failure the user has to read: a window-modal box, opened without a nested event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("errorBox")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
