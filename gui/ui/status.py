"""The status bar and the banner over the table: the stream's state at a glance, its counters,
and the one path for messages to the user (``tell`` for passing notices, ``show_status`` for the
stream, ``error`` for failures that need reading)."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QStatusBar,
    QStyle,
    QStyleOption,
    QWidget,
)

from gui.consumer.health import lag_text, lost_sentence, lost_text
from gui.ui import message
from gui.ui.actions import built
from gui.ui.labels import ElidedLabel, SteadyLabel, plain_label
from gui.ui.stream_state import STOPPED, StreamState, StreamStatus

MESSAGE_MS = 8000  # how long a passing message stays in the status bar
# the state's tone on the status text (gui.ui.tones: readable on light and dark status bars)
_TONES = {"streaming": "ok", "waiting": "ok", "paused": "warning", "backing_off": "error"}


class StreamBanner(QWidget):
    """Over the table while the stream is down: what failed, when the next attempt is, Retry now.
    White on a deep red (6.5:1) in either scheme; its palette, not a stylesheet (a plain QWidget
    never paints a stylesheet's background), so its label too is drawn on the red."""

    BACKGROUND, TEXT = QColor("#b3261e"), QColor("#ffffff")
    retry_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("streamBanner")
        palette = QPalette()  # these two roles its own; the rest follows the scheme
        palette.setColor(QPalette.ColorRole.Window, self.BACKGROUND)
        palette.setColor(QPalette.ColorRole.WindowText, self.TEXT)
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.text = plain_label("", "streamBannerLabel", "Stream problem", ElidedLabel)
        self.retry = built(QPushButton("Retry now"), "bannerRetryButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.retry)
        self.retry.clicked.connect(self.retry_clicked)
        self.hide()


class MessageFit(QObject):
    """The status bar's passing message ends in "…" where it would reach the counters, the whole
    of it in the bar's tooltip. QStatusBar draws the message whole, over the counters to its
    right; this paints the bar instead while a message shows (as Qt does, the text elided)."""

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.bar = bar
        bar.installEventFilter(self)
        bar.messageChanged.connect(self._tip)

    def room(self) -> QRect:
        """Where the message goes: from the left up to the first counter (the widgets still shown
        while a message is: QStatusBar hides the others)."""
        shown = [w for w in self.bar.findChildren(QWidget, options=_DIRECT) if w.isVisible()]
        right = min((w.x() - 2 for w in shown), default=self.bar.width() - 12)
        return QRect(6, 0, max(right - 6, 0), self.bar.height())

    def shown(self) -> str:
        """The message as drawn."""
        elide = Qt.TextElideMode.ElideRight
        return self.bar.fontMetrics().elidedText(self.bar.currentMessage(), elide, self.room().width())

    def _tip(self) -> None:
        """The whole message as the bar's tooltip while it is cut (the room changes with the width)."""
        message = self.bar.currentMessage()
        tip = message if message and self.shown() != message else ""
        if self.bar.toolTip() != tip:
            self.bar.setToolTip(tip)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.Paint:  # first: other events come while the bar is destroyed
            return False
        message = self.bar.currentMessage()
        if not message:
            return False
        bar, style, text = self.bar, self.bar.style(), self.shown()
        self._tip()
        painter = QPainter(bar)
        try:
            option = QStyleOption()
            option.initFrom(bar)
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, bar)
            for widget in bar.findChildren(QWidget, options=_DIRECT):
                if widget.isVisible():
                    frame = QStyleOption()
                    frame.rect = widget.geometry().adjusted(-2, -1, 2, 1)
                    frame.palette = bar.palette()
                    frame.state = QStyle.StateFlag.State_None
                    style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame, painter, widget)
            painter.setPen(bar.palette().color(QPalette.ColorRole.WindowText))
            align = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine
            painter.drawText(self.room(), int(align), text)
        finally:
            painter.end()
        return True


_DIRECT = Qt.FindChildOption.FindDirectChildrenOnly


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
        before = self.values
        self.values = [*self.values[-(self.POINTS - 1) :], max(lag, 0)]
        if len(before) == self.POINTS and len(set(before)) == 1 and before[0] == self.values[-1]:
            return  # a flat line that stays flat (caught up all along): nothing to repaint
        self.setToolTip(
            f"Lag over the last {len(self.values)} readings (0: caught up; otherwise at most this many topic "
            f"sequences behind): now {self.values[-1]:,}, highest {max(self.values):,}, lowest {min(self.values):,}"
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
    """Builds the tab's status bar and the banner; they show the tab's ``StreamState`` (``attach``)
    and the messages of the tab's parts (``gui.ui.message``)."""

    def __init__(self, bar: QStatusBar, window: QWidget) -> None:
        self.bar = bar
        self.window = window  # the tab
        message.bridge().posted.connect(self.on_message)
        self.stream_status_label = plain_label("stopped", "streamStatusLabel", "Stream status", ElidedLabel)
        self.rate_label = plain_label("0 ev/s", "rateLabel", "Events per second", SteadyLabel)
        self.event_count_label = plain_label("0 events", "eventCountLabel", "Event count", SteadyLabel)
        # what needs attention only: events lost (hidden while none are); skipped sequences the
        # subscription explains are on the rows and in the Stream health panel
        # (it ends in "…" rather than widen a 1024-pixel window; its tooltip says it all)
        self.gap_label = plain_label("", "gapLabel", "Events lost", ElidedLabel)
        self.gap_label.setVisible(False)
        self.skip_reasons: tuple[str, ...] = ()  # what explains skipped sequences for the subscription
        self.lag_label = plain_label("lag —", "lagLabel", "Lag", SteadyLabel)
        self.lag_sparkline = LagSparkline()
        self.last_poll_label = plain_label("last poll —", "lastPollLabel", "Last poll", SteadyLabel)
        self.committed_offset_label = plain_label("committed —", "committedOffsetLabel", "Committed offset", SteadyLabel)
        self.retry_button = built(QPushButton("Retry now"), "retryButton")
        self.retry_button.setAccessibleName("Retry now")
        self.retry_button.setToolTip("Retry the connection now instead of waiting for the next attempt")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(lambda: self.retry_button.setVisible(False))
        self.banner = StreamBanner()
        self.message_fit = MessageFit(bar)
        self.status = STOPPED
        self.stream: StreamState | None = None  # what it shows (attach)
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
            (self.event_count_label, "1,000,000 events"),
            (self.lag_label, "≤ 100,000 behind"),
            (self.last_poll_label, "last poll 00:00:00Z"),
        ):
            assert isinstance(label, SteadyLabel)
            label._room(widest)

    def attach(self, state: StreamState) -> None:
        """Show ``state`` from now on: its status (the retry counting down), counters, lag and the
        notice about the next start; a new stream (``reset``) shows a clean slate."""
        self.stream = state
        state.reset.connect(self.on_reset)
        state.status_changed.connect(lambda status: self.show_status(status, can_retry=state.running))
        state.counts_changed.connect(self.on_counts)
        state.lag_changed.connect(self.show_lag)
        state.notice_changed.connect(self.show_notice)
        state.committed_changed.connect(self.show_committed)

    def on_reset(self) -> None:
        assert self.stream is not None
        self.skip_reasons = self.stream.skip_reasons
        self.lag_sparkline.clear()
        self.show_status(STOPPED, can_retry=False)
        self.rate_label.setText("0 ev/s")
        self.last_poll_label.setText("last poll —")
        self.on_counts()
        self.show_lag(None)

    def on_counts(self) -> None:
        st = self.stream
        assert st is not None
        self.show_counts(
            rate=st.rate, total=st.total, gaps=st.gaps, last_poll=st.last_poll, lost=st.lost, lost_span=st.lost_span
        )

    def show_notice(self, text: str) -> None:
        """Why the stream cannot start (or "" when it can): in place of the status while stopped."""
        if text:
            self.stream_status_label.setText(text)
            self.stream_status_label.set_tone("")
        elif self.stream is not None:
            self.show_status(self.stream.status.counted_down(), can_retry=self.stream.running)

    def show_status(self, status: StreamStatus, *, can_retry: bool) -> None:
        self.status = status
        self.stream_status_label.setText(status.message)
        self.stream_status_label.set_tone(_TONES.get(status.state) or ("error" if status.error else ""), bold=True)
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
        notice = self.stream.notice if self.stream is not None else ""
        if notice and status.state == "stopped":  # why it cannot start says more than "stopped"
            self.stream_status_label.setText(notice)
            self.stream_status_label.set_tone("")

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
        first, last = lost_span or (0, 0)
        text = lost_text(lost, first, last) if lost else ""
        if text != self.gap_label.text():
            self.gap_label.setText(text)
            self.gap_label.set_tone("error", bold=True)
            retention = self.stream.lost_retention if self.stream is not None else ""
            self.gap_label.setToolTip(
                lost_sentence(lost, first, last, retention)
                + ". How many of them were for this subscription cannot be known any more." if lost else ""
            )
            self.gap_label.setVisible(bool(lost))
        if last_poll:
            if self.local_time:
                text = time.strftime("%H:%M:%S", time.localtime(last_poll))
            else:
                text = time.strftime("%H:%M:%SZ", time.gmtime(last_poll))
            self.last_poll_label.setText("last poll " + text)

    def show_lag(self, lag: int | None) -> None:
        """"caught up" (the last poll brought less than it asked), "≤ N behind" (it came back full:
        at most N topic sequences ahead), or "lag —" while it is not known or not live."""
        live = not (self.status.down or self.status.state == "paused")
        caught_up = self.stream.caught_up if self.stream is not None else None
        self.lag_label.setText(lag_text(caught_up, lag) if lag is not None and live else "lag —")
        self.lag_label.setToolTip(
            "The last poll brought fewer events than it asked for: the server has no more for this subscription"
            if caught_up and live
            else "The last polls came back full: at most this many of the topic's sequences are still ahead "
            "(on a shared or filtered topic most of them are not this subscription's)"
            if caught_up is False and live
            else "Paused: no lag is worked out while new rows are held"
            if self.status.state == "paused"
            else "Not known now: the stream is stopped, down or has not polled yet"
        )
        if live:
            self.lag_sparkline.add(lag)

    def show_committed(self, offset: int | None, word: str = "Committed") -> None:
        """The offset committed, said as the commit mode does ("committed" or "stored")."""
        self.committed_offset_label.setText(f"{word.lower()} {'—' if offset is None else f'{offset:,}'}")

    def on_message(self, posted: message.Message) -> None:
        """A message of one of this tab's parts (or of none, while this tab is the one shown)."""
        if not shiboken6.isValid(self.bar):  # the tab went
            message.bridge().posted.disconnect(self.on_message)
            return
        if posted.tab is not self.window and (posted.tab is not None or not self.window.isVisible()):
            return
        if posted.level == "error":
            self.error(posted.title, posted.text)
        else:
            self.tell(posted.text)

    def tell(self, text: str) -> None:
        """A passing message (an action's outcome, a notification rule's hit): shown over the
        stream status for a few seconds, which then comes back; a long one ends in "…" before the
        counters, the whole of it in the bar's tooltip (``MessageFit``)."""
        self.bar.showMessage(text, MESSAGE_MS)

    def error(self, title: str, text: str) -> None:
        """A failure the user has to read: a window-modal box, opened without a nested event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("errorBox")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
