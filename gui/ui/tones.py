"""Text that says a state (all is well, a warning, an error) in a colour readable on the light and
the dark scheme: each tone has a colour for light backgrounds and one for dark ones, each at least
WCAG AA (4.5:1) on the window and the fields of its scheme, and the one used is the one that reads
best on the background the widget is drawn on. ``set_tone`` keeps a widget's tone across a switch of
scheme (View ▸ Appearance) with no stylesheet: it sets the palette's text colour and sets it again
when the palette changes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLineEdit, QWidget

# tone -> (on light backgrounds, on dark backgrounds)
TONES = {
    "ok": ("#17692f", "#57d17a"),
    "warning": ("#8a5a00", "#f2b33d"),
    "error": ("#b3261e", "#ff8a80"),
}
AA = 4.5  # WCAG AA for text
NON_TEXT = 3.0  # WCAG AA for the parts of a control (a check box's border, a field's frame)


def luminance(colour: QColor) -> float:
    """WCAG relative luminance (0 black … 1 white)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)


def tone_colour(tone: str, background: QColor) -> QColor:
    """The colour of ``tone`` that reads best on ``background``."""
    return max((QColor(c) for c in TONES[tone]), key=lambda c: contrast(c, background))


def _roles(widget: QWidget) -> tuple[QPalette.ColorRole, QPalette.ColorRole]:
    """The roles of a widget's text and of what it is drawn on."""
    if isinstance(widget, QLineEdit):
        return QPalette.ColorRole.Text, QPalette.ColorRole.Base
    return QPalette.ColorRole.WindowText, QPalette.ColorRole.Window


class _Keeper(QObject):
    """A widget's tone; sets its colour again when the widget's palette changes (a switch of scheme)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.setObjectName("toneKeeper")
        self.widget = widget
        self.tone = ""
        widget.installEventFilter(self)

    def colour(self) -> QColor | None:
        background = self.widget.palette().color(_roles(self.widget)[1])
        return tone_colour(self.tone, background) if self.tone else None

    def apply(self) -> None:
        """Only the text colour is the widget's own; the rest follows the application's palette."""
        own = QPalette()  # no role set: the widget inherits every role it does not set
        colour = self.colour()
        if colour is not None:
            own.setColor(_roles(self.widget)[0], colour)
        self.widget.setPalette(own)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:
            colour = self.colour()
            if colour is not None and self.widget.palette().color(_roles(self.widget)[0]) != colour:
                self.apply()  # the background changed: the tone's colour for it
        return False


def set_tone(widget: QWidget, tone: str, *, bold: bool = False) -> None:
    """Draw ``widget``'s text in ``tone`` ("ok", "warning", "error"; "" for the scheme's own colour),
    in bold if ``bold``; the colour follows a switch of scheme."""
    keeper = widget.findChild(_Keeper, "toneKeeper", Qt.FindChildOption.FindDirectChildrenOnly)
    if keeper is None:
        if not tone:
            return
        keeper = _Keeper(widget)
    if keeper.tone != tone:
        keeper.tone = tone
        keeper.apply()
    font = widget.font()
    if font.bold() != (bold and bool(tone)):
        font.setBold(bold and bool(tone))
        widget.setFont(font)
