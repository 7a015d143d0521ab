"""Labels of the status bar and the filter bar: one line that ends in "…" (``ElidedLabel``), a
figure that repaints alone (``SteadyLabel``), both able to say a state in a readable colour."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QWidget

from gui.ui.tones import set_tone


class Toned:
    """A label that can say a state in its colour (gui.ui.tones: per scheme, >= 4.5:1)."""

    def set_tone(self, tone: str, *, bold: bool = False) -> None:
        assert isinstance(self, QWidget)
        set_tone(self, tone, bold=bold)  # the function of gui.ui.tones


class ElidedLabel(Toned, QLabel):
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


class SteadyLabel(Toned, QLabel):
    """A label of fixed size that grows only when a text needs more room (never shrinks): a new
    figure each second then repaints the label alone. A label whose size hint changes asks its
    parents to lay out again, and the status bar's parents are the whole window (measured: the
    window laid out and repainted whole about 13 times a second while streaming)."""

    def __init__(self, text: str = "", widest: str = "") -> None:
        super().__init__(text)
        self._widest = ""
        self._room(widest or text)

    def _room(self, text: str) -> None:
        if len(text) > len(self._widest):
            self._widest = text  # measured again in a new font (bold when it says an alarm)
        width = self.fontMetrics().horizontalAdvance(text) + 6
        if width > self.minimumWidth() or self.minimumWidth() != self.maximumWidth():
            self.setFixedSize(max(width, self.minimumWidth()), super().sizeHint().height())

    def setText(self, text: str) -> None:  # noqa: N802
        if text != self.text():
            if self.fontMetrics().horizontalAdvance(text) + 6 > self.width():
                self._room(text)
            super().setText(text)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._room(max(self._widest, self.text(), key=self.fontMetrics().horizontalAdvance))


_L = TypeVar("_L", bound=QLabel)


def plain_label(text: str, name: str, accessible: str, cls: type[_L]) -> _L:
    label = cls(text)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
    return label
