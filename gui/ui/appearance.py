"""Light, dark, or the system's colour scheme. Qt's own ``QStyleHints.setColorScheme`` is only
honoured by platform themes that support it (not plain X11, where the window stayed light), so a
dark choice also sets a dark Fusion palette of our own; "system" follows
``QStyleHints.colorScheme`` and its changes. ``ReadableStyle`` is the application's style: Fusion
with check boxes whose border stands out from their background (Fusion draws it from the window
colour, nearly the fields' own: unchecked boxes were all but invisible in dark)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QActionGroup, QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

SCHEMES = ("system", "light", "dark")


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(40, 40, 43)),
        (QPalette.ColorRole.ToolTipBase, QColor(60, 60, 64)),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150)),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 80, 80)),
        (QPalette.ColorRole.Link, QColor(100, 160, 255)),
        (QPalette.ColorRole.Highlight, QColor(38, 110, 200)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Light, QColor(70, 70, 74)),
        (QPalette.ColorRole.Midlight, QColor(60, 60, 64)),
        (QPalette.ColorRole.Mid, QColor(50, 50, 54)),
        (QPalette.ColorRole.Dark, QColor(25, 25, 27)),
        (QPalette.ColorRole.Shadow, QColor(10, 10, 10)),
    ):
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return p


def blend(a: QColor, b: QColor, share: float) -> QColor:
    """``share`` of ``a`` over ``b``."""
    mix = [share * x + (1 - share) * y for x, y in zip(_rgb(a), _rgb(b), strict=True)]
    return QColor.fromRgbF(mix[0], mix[1], mix[2])


def _rgb(colour: QColor) -> tuple[float, float, float]:
    return colour.redF(), colour.greenF(), colour.blueF()


class ReadableStyle(QProxyStyle):
    """Fusion, but a check box's border is drawn again in a colour between the text and the
    field's background (>= 3:1 against the field and the window in light and dark: WCAG's
    non-text contrast), also in lists of checkable items (Fusion draws those as check boxes)."""

    BORDER_SHARE = 0.55  # of the text colour over the field's

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(  # noqa: N802
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element != QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            return
        focused = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
        if option.state & focused == focused:  # Fusion's focus colour stays
            return
        palette = option.palette
        colour = blend(
            palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), self.BORDER_SHARE
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.translate(0.5, 0.5)  # as Fusion draws it: crisp one-pixel lines
        painter.setPen(colour)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
        painter.restore()


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply(scheme: str) -> bool:
    """Use ``scheme`` (system, light or dark) for the whole application; whether it is dark now."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    dark = scheme == "dark" or (scheme == "system" and system_is_dark())
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    return dark


class Appearance(QObject):
    """View ▸ Appearance, the window's: the choice (remembered in ``settings``), applied to the
    application once, shown checked in every tab's menu (``watch``), and followed when the
    system's scheme changes while "system" is chosen; ``changed(dark)`` lets parts that draw
    their own colours (the JSON highlighting, the table) redraw. Owned by the window, so that the
    application's signal stops reaching it when the window goes."""

    changed = Signal(bool)  # dark

    def __init__(self, window: QObject, settings: QSettings) -> None:
        super().__init__(window)
        self.settings = settings
        self.groups: list[QActionGroup] = []
        self.scheme = "system"
        self.dark = False
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)

    def watch(self, group: QActionGroup) -> None:
        """A tab's View ▸ Appearance menu: its choice is the window's."""
        self.groups.append(group)
        group.destroyed.connect(lambda: self.groups.remove(group) if group in self.groups else None)
        group.triggered.connect(lambda action: self.set(action.data()))
        self._check(group)

    def _check(self, group: QActionGroup) -> None:
        for action in group.actions():
            action.setChecked(action.data() == self.scheme)

    def set(self, scheme: str) -> None:
        self.scheme = scheme if scheme in SCHEMES else "system"
        self.dark = apply(self.scheme)
        for group in self.groups:
            self._check(group)
        self.settings.setValue("appearance", self.scheme)
        self.changed.emit(self.dark)

    @Slot()
    def _system_changed(self) -> None:
        if self.scheme == "system":
            self.set("system")
