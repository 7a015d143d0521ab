"""The timeline above the table: events per time bucket, stacked by type, for the rows the filters
show. Dragging across it sets the time filter; clicking a bucket scrolls the table to its first
event; hovering says what a bucket holds.

A small QPainter widget rather than a plotting library: it draws ~120 stacked bars and a band,
which pyqtgraph would do with numpy too but with a scene graph, its own mouse handling and a second
look to keep in step with the table's palette, for nothing this needs. The counts live in
``gui.eventlog.timeline.Histogram``: new rows add to their buckets (a few numpy calls per batch);
a filter change counts the shown rows again on a worker thread. Repaints are at most four a second.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QToolTip, QWidget

from gui.api.models import short_type
from gui.eventlog.store import EventStore
from gui.eventlog.timeline import Histogram, bucket_label, columns, count
from gui.ui import background
from gui.ui.model import EventTableModel

log = logging.getLogger(__name__)
REPAINT_MS = 250  # at most four repaints a second however fast events arrive
RECOUNT_AFTER_DROP_MS = 2000  # the oldest rows went (the cap): counted again, at most this often
# Okabe–Ito, the colour-blind-safe palette; each type keeps its colour (by its action's name).
# (light scheme, dark scheme): on the dark one the same colours where they stand out from the dark
# background (3:1 at least), chosen ones where they did not; lightening the dark ones alike had
# made updated and enabled one light blue. Kept apart: tests/gui/test_readability.py.
COLOURS = {
    "created": ("#009E73", "#009E73"),
    "updated": ("#0072B2", "#2B6FD6"),
    "disabled": ("#D55E00", "#D55E00"),
    "enabled": ("#56B4E9", "#56B4E9"),
    "deleted": ("#CC79A7", "#CC79A7"),
    "undeleted": ("#F0E442", "#F0E442"),
    "barrier_updated": ("#E69F00", "#E69F00"),
    "auth_consent.updated": ("#8C8C8C", "#8C8C8C"),
    "unlocked": ("#5D3A9B", "#A58BDB"),
}
# other types: Paul Tol's muted colours (light), the same hues lighter (dark)
_OTHER = (
    ("#117733", "#33BB66"),
    ("#882255", "#DD6699"),
    ("#44AA99", "#44AA99"),
    ("#999933", "#999933"),
    ("#AA4499", "#BB66CC"),
    ("#332288", "#7777EE"),
)
UNKNOWN = ("#999999", "#999999")


def type_colour(type_id: str, dark: bool = False) -> QColor:
    action = short_type(type_id).split(".", 1)[-1]
    pair = COLOURS.get(action) or _OTHER[sum(map(ord, action)) % len(_OTHER)]
    return QColor(pair[dark])


class TimelineView(QWidget):
    """Stacked bars of a Histogram; a drag is a range, a click a bucket."""

    range_selected = Signal(float, float)  # epoch seconds: from, until
    bucket_clicked = Signal(float, float)

    LEFT, RIGHT, TOP, BOTTOM = 4, 4, 14, 14

    def __init__(self, type_names: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.setAccessibleName("Timeline: events per time bucket by type; drag to filter a time range")
        self.setToolTip("")
        self.setMouseTracking(True)
        self.setMinimumHeight(72)
        self.setMaximumHeight(96)
        self.type_names = type_names
        self.histogram = Histogram.empty()
        self.local_time = False
        self._press: float | None = None
        self._drag: tuple[float, float] | None = None
        self._picture: QPixmap | None = None  # the bars as last drawn
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # it paints all of itself

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, 80)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, 72)

    # -- geometry ------------------------------------------------------------------------------

    def _plot(self) -> QRectF:
        return QRectF(
            self.LEFT, self.TOP, self.width() - self.LEFT - self.RIGHT, self.height() - self.TOP - self.BOTTOM
        )

    def time_at(self, x: float) -> float:
        h, plot = self.histogram, self._plot()
        fraction = min(max((x - plot.left()) / max(plot.width(), 1), 0.0), 1.0)
        return h.start + fraction * (h.end - h.start)

    def x_of(self, when: float) -> float:
        h, plot = self.histogram, self._plot()
        span = max(h.end - h.start, 1e-9)
        return plot.left() + (when - h.start) / span * plot.width()

    def _time_text(self, when: float, seconds: bool = True) -> str:
        moment = datetime.fromtimestamp(when, UTC)
        if self.local_time:
            moment = moment.astimezone()
        text = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
        return text + ("" if self.local_time else "Z")

    # -- painting --------------------------------------------------------------------------------

    def invalidate(self) -> None:
        """The histogram (or how it is shown) changed: drawn anew at the next paint."""
        self._picture = None
        self.update()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        self._picture = None
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._picture = None
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """The bars are drawn into a pixmap when the counts change (at most four times a second);
        any other repaint (the window around it repaints often) only copies that pixmap."""
        ratio = self.devicePixelRatioF()
        if self._picture is None or self._picture.size() != self.size() * ratio:
            picture = QPixmap(self.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            canvas = QPainter(picture)
            self._draw(canvas)
            canvas.end()
            self._picture = picture
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        if self._drag is not None:
            plot = self._plot()
            a, b = sorted(self._drag)
            band = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            band.setAlpha(70)
            painter.fillRect(QRectF(self.x_of(a), plot.top(), self.x_of(b) - self.x_of(a), plot.height()), band)

    def _draw(self, painter: QPainter) -> None:
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        plot = self._plot()
        h = self.histogram
        text = palette.color(QPalette.ColorRole.Text)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7))
        painter.setFont(font)
        painter.setPen(text)
        if not h.buckets or not h.counts.any():
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Timeline: no events shown")
            return
        totals = h.totals()
        peak = int(totals.max())
        width = plot.width() / h.buckets
        names = self.type_names()
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        colours = [
            type_colour(names[t], dark) if t < len(names) else QColor(UNKNOWN[dark]) for t in range(h.counts.shape[1])
        ]
        order = np.argsort(-h.counts.sum(axis=0), kind="stable")  # the commonest type at the bottom
        gap = 1.0 if width > 3 else 0.0
        painter.setPen(Qt.PenStyle.NoPen)
        for i in np.flatnonzero(totals):
            x = plot.left() + i * width
            y = plot.bottom()
            row = h.counts[i]
            for t in order:
                n = int(row[t])
                if not n:
                    continue
                bar = n / peak * plot.height()
                painter.fillRect(QRectF(x, y - bar, max(width - gap, 1.0), bar), colours[t])
                y -= bar
        painter.setPen(text)
        top = QRectF(plot.left(), 0, plot.width(), self.TOP)
        scale = f"1 bar = {bucket_label(h.size)}"
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, scale)
        painter.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"peak {peak:,}")
        self._legend(painter, names, colours, order, top, painter.fontMetrics().horizontalAdvance(scale))
        bottom = QRectF(plot.left(), plot.bottom(), plot.width(), self.BOTTOM)
        painter.drawText(
            bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._time_text(h.start, False)
        )
        painter.drawText(
            bottom, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self._time_text(h.end, False)
        )

    def _legend(
        self, painter: QPainter, names: list[str], colours: list[QColor], order: Any, top: QRectF, skip: int
    ) -> None:
        """The types shown, commonest first, each with its colour, as far as the strip has room."""
        metrics = painter.fontMetrics()
        totals = self.histogram.counts.sum(axis=0)
        x = top.left() + skip + 16
        right = top.right() - metrics.horizontalAdvance("peak 1,000,000") - 8
        box = metrics.height() * 0.6
        for t in order:
            if not totals[t] or t >= len(names):
                continue
            label = short_type(names[t]).split(".", 1)[-1]
            width = box + 4 + metrics.horizontalAdvance(label) + 12
            if x + width > right:
                break
            painter.fillRect(QRectF(x, top.center().y() - box / 2, box, box), colours[t])
            painter.drawText(
                QRectF(x + box + 4, top.top(), width, top.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            x += width

    # -- mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.histogram.buckets:
            self._press = event.position().x()
            self._drag = None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        x = event.position().x()
        if self._press is not None and abs(x - self._press) >= 4:
            self._drag = (self.time_at(self._press), self.time_at(x))
            self.update()
        elif self._press is None:
            self._hover(event)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        x, press = event.position().x(), self._press
        self._press = None
        h = self.histogram
        if self._drag is not None:
            a, b = sorted((self.time_at(press), self.time_at(x)))
            self._drag = None
            self.update()
            self.range_selected.emit(math.floor(a), math.ceil(b))
        elif h.buckets:
            i = min(max(h.bucket_of(self.time_at(x)), 0), h.buckets - 1)
            start = (h.first + i) * h.size
            self.bucket_clicked.emit(float(start), float(start + h.size))

    def _hover(self, event: QMouseEvent) -> None:
        h = self.histogram
        if not h.buckets:
            return
        i = min(max(h.bucket_of(self.time_at(event.position().x())), 0), h.buckets - 1)
        start = (h.first + i) * h.size
        names = self.type_names()
        row = h.counts[i]
        lines = [f"{self._time_text(start)} – {self._time_text(start + h.size)}: {int(row.sum()):,} events"]
        for t in np.argsort(-row, kind="stable"):
            if row[t] and t < len(names):
                lines.append(f"  {short_type(names[t])}: {int(row[t]):,}")
        lines.append("Click: scroll the table here · drag: filter this time range")
        QToolTip.showText(event.globalPosition().toPoint(), "\n".join(lines[:12]), self)


class Timeline(QObject):
    """Keeps the view's histogram in step with the rows the table shows."""

    def __init__(
        self, store: EventStore, model: EventTableModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self.model = store, model
        self.view = TimelineView(lambda: store.types.values)
        self.generation = 0
        self._counting = False
        self._snapshot_rows = 0  # model rows the running count covers; later ones are added after it
        self._repaint = QTimer(self, singleShot=True, interval=REPAINT_MS)
        self._repaint.timeout.connect(self.view.invalidate)
        self._recount_later = QTimer(self, singleShot=True, interval=RECOUNT_AFTER_DROP_MS)
        self._recount_later.timeout.connect(self.recount)

    def set_local_time(self, local: bool) -> None:
        self.view.local_time = local
        self.view.invalidate()

    def reset(self) -> None:
        """The store was emptied (a new stream)."""
        self.generation += 1
        self._counting = False
        self.view.histogram = Histogram.empty()
        self.view.invalidate()

    def recount(self) -> None:
        """Count the shown rows again (a filter changed, the oldest rows went), off the UI thread."""
        self.generation += 1
        generation = self.generation
        self._snapshot_rows = self.model.rowCount()
        when, types = columns(self.store, self.model.view)  # copies, on this thread
        self._counting = True

        def done(histogram: Histogram) -> None:
            if generation != self.generation:
                return
            self._counting = False
            self.view.histogram = histogram
            later = self.model.rowCount() - self._snapshot_rows
            if later > 0:  # rows shown while it counted
                self.add_shown(later)
            self.view.invalidate()

        def failed(err: Exception) -> None:  # the timeline keeps what it showed; the table is unaffected
            if generation == self.generation:
                self._counting = False
            log.warning("counting the timeline failed: %s", err)

        background.run(self, lambda: count(when, types), done, failed, key="count")

    def add_shown(self, added: int) -> None:
        """The last ``added`` rows of the table are new: count them into their buckets."""
        if added <= 0 or self._counting:
            return  # a running count adds them when it answers
        n = self.model.rowCount()
        rows = self.model.rows_in([(n - added, n - 1)])
        when, types = columns(self.store, rows)
        self.view.histogram.add(when, types)
        if not self._repaint.isActive():
            self._repaint.start()

    def rows_dropped(self) -> None:
        if not self._recount_later.isActive():
            self._recount_later.start()

    def row_at(self, when: float) -> int | None:
        """The first table row at or after ``when`` (epoch seconds), or None."""
        n = self.model.rowCount()
        if not n:
            return None
        times, _types = columns(self.store, self.model.shown_rows())  # in the order shown (perhaps sorted)
        after = np.where(times >= when, times, np.inf)
        at = int(np.argmin(after)) if len(after) else 0
        return at if len(after) and after[at] != np.inf else None
