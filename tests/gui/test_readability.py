"""Readable in light and in dark: every status text meets WCAG AA (4.5:1), measured from the pixels
the window paints, in each state of the stream, and again after a switch of scheme."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QStyle, QToolButton, QWidget

from gui.emulator import Emulator
from gui.storage import StateStore
from gui.ui import background as background_work
from gui.ui.dialogs import SubscriptionDialog
from gui.ui.status import StreamBanner
from gui.ui.tones import AA, NON_TEXT, TONES, contrast, luminance
from tests.gui.conftest import saved_connection
from tests.gui.test_window import Lab, choose, start

SCHEMES = ("light", "dark")


def painted_colours(widget: QWidget, pixmap: QPixmap | None = None) -> tuple[QColor, QColor]:
    """(text, background) as painted (``widget.grab()`` unless ``pixmap``): the commonest pixel
    is the background, the pixel farthest from it in luminance the text."""
    image = (pixmap or widget.grab()).toImage().convertToFormat(QImage.Format.Format_RGB32)
    counts = Counter(image.pixel(x, y) for y in range(image.height()) for x in range(image.width()))
    background = QColor.fromRgb(counts.most_common(1)[0][0])
    level = luminance(background)
    text = max((QColor.fromRgb(p) for p in counts), key=lambda c: abs(luminance(c) - level))
    return text, background


def painted_contrast(widget: QWidget) -> float:
    text, background = painted_colours(widget)
    return contrast(text, background)


def check_readable(qtbot: Any, window: Any, *widgets: QWidget) -> None:
    """Each widget's text at least 4.5:1 in light and in dark (the scheme switched while it shows)."""
    for scheme in SCHEMES:
        window.set_appearance(scheme)
        qtbot.waitUntil(lambda s=scheme: (window.palette().window().color().lightness() < 128) == (s == "dark"))
        for widget in widgets:
            assert widget.isVisible() and widget.text()
            ratio = painted_contrast(widget)
            assert ratio >= AA, f"{widget.objectName()} {widget.text()!r} in {scheme}: {ratio:.2f}:1"
    window.set_appearance("light")


def test_the_tones_meet_aa_on_both_schemes(qtbot: Any) -> None:
    from gui.ui.appearance import dark_palette

    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21)
    assert contrast(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)
    light, dark = QColor("#efefef"), dark_palette().window().color()  # Fusion's window; ours in dark
    for name, (on_light, on_dark) in TONES.items():
        for background in (light, dark_palette().base().color(), QColor("white")):
            on = on_dark if background.lightness() < 128 else on_light
            assert contrast(QColor(on), background) >= AA, (name, background.name())
        assert contrast(QColor(on_dark), dark) >= AA and contrast(QColor(on_light), light) >= AA


def test_streaming_paused_and_down_are_readable_in_light_and_dark(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    window.consumer_options = {"backoff_base": 5.0}
    window.show()
    qtbot.waitExposed(window.widget)
    start(qtbot, window, "earliest", until_rows=300)
    label = window.stream_status_label
    qtbot.waitUntil(lambda: label.text() == "streaming", timeout=10000)
    check_readable(qtbot, window, label)
    qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: label.text().startswith("Paused"), timeout=10000)
    check_readable(qtbot, window, label)
    qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: label.text() == "streaming", timeout=10000)
    banner = window.findChild(QWidget, "streamBanner")
    em.stop()
    qtbot.waitUntil(banner.isVisible, timeout=15000)
    on_screen = window.grab(QRect(banner.mapTo(window.widget, QPoint(0, 0)), banner.size()))  # as the window shows it
    assert painted_colours(banner, on_screen)[1] == StreamBanner.BACKGROUND  # the banner paints its own
    check_readable(qtbot, window, banner.text, label)


@pytest.fixture
def world(home: Path) -> Iterator[Emulator]:
    with Emulator(history=400, seed=17, max_events=150) as em:  # retention keeps the newest 150
        yield em


def test_the_lost_figure_is_readable_in_light_and_dark(qtbot: Any, open_window: Any, world: Emulator) -> None:
    with saved_connection(world) as (_client, sub_id):
        store = StateStore()
        store.store_offset(world.url, world.client_id, sub_id, 20)  # read up to 20 long ago: the rest is gone
        store.close()
        window = open_window()
        window.show()
        qtbot.waitExposed(window.widget)
        choose(window.commit_mode_combo, "stored")
        start(qtbot, window, "stored", until_rows=100)
        qtbot.waitUntil(lambda: "lost" in window.gap_label.text(), timeout=5000)
        check_readable(qtbot, window, window.gap_label)


def delta_e(a: QColor, b: QColor) -> float:
    """CIE76 colour difference (about 2 is the least one sees; 25 and more: plainly different)."""

    def lab(c: QColor) -> tuple[float, float, float]:
        def lin(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b_ = lin(c.redF()), lin(c.greenF()), lin(c.blueF())
        x = (0.4124 * r + 0.3576 * g + 0.1805 * b_) / 0.95047
        y = 0.2126 * r + 0.7152 * g + 0.0722 * b_
        z = (0.0193 * r + 0.1192 * g + 0.9505 * b_) / 1.08883

        def f(t: float) -> float:
            return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

        return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))

    return math.dist(lab(a), lab(b))


@pytest.mark.parametrize("dark", [False, True])
def test_the_timeline_type_colours_stay_distinct_in_both_schemes(dark: bool) -> None:
    from gui.ui.appearance import dark_palette
    from gui.ui.timeline import _OTHER, COLOURS

    for palette in (COLOURS.values(), _OTHER):
        colours = [QColor(pair[dark]) for pair in palette]
        closest = min(delta_e(a, b) for a, b in itertools.combinations(colours, 2))
        assert closest >= 25, closest
    if dark:  # every bar stands out from the dark timeline (WCAG non-text 3:1)
        base = dark_palette().base().color()
        for pair in (*COLOURS.values(), *_OTHER):
            assert contrast(QColor(pair[1]), base) >= NON_TEXT, pair


def test_unchecked_boxes_of_the_new_subscription_dialog_show_in_light_and_dark(
    qtbot: Any, open_window: Any, lab: Lab
) -> None:
    window = open_window()
    dialog = SubscriptionDialog(window.client, background_work.runner(window.widget), window.widget)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    types = dialog.types_list
    qtbot.waitUntil(lambda: types.count() >= 8, timeout=10000)
    item = types.item(1)
    assert item.checkState() == Qt.CheckState.Unchecked and not dialog.auto_commit.isChecked()
    for scheme in SCHEMES:
        window.set_appearance(scheme)
        qtbot.waitUntil(lambda s=scheme: (dialog.palette().base().color().lightness() < 128) == (s == "dark"))
        row = types.visualItemRect(item)
        box = types.viewport().grab(QRect(row.x(), row.y(), row.height() + 4, row.height()))  # the indicator
        border, inside = painted_colours(types, box)
        assert contrast(border, inside) >= NON_TEXT, (scheme, border.name(), inside.name())
        check = dialog.auto_commit
        side = check.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, check)
        box = check.grab(QRect(0, (check.height() - side) // 2, side, side))
        border, inside = painted_colours(check, box)
        assert contrast(border, inside) >= NON_TEXT, (scheme, border.name(), inside.name())
    window.set_appearance("light")


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the icon's tooltip, offscreen
@pytest.mark.parametrize("size", [(1024, 700), (1400, 900)])
def test_an_invalid_cel_takes_no_room_from_the_other_fields_and_says_where(
    qtbot: Any, open_window: Any, size: tuple[int, int]
) -> None:
    window = open_window()
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window.widget)
    bar, edit = window.filter_bar, window.cel_filter_edit
    fields = [f for f in (*bar.fields(), window.showing_label) if f.isVisible()]  # not a custom range's

    def widths() -> list[int]:
        return [field.width() for field in fields]

    def icon_shown() -> bool:
        buttons = [b for b in edit.findChildren(QToolButton) if b.defaultAction() is edit.problem_action]
        return len(buttons) == 1 and buttons[0].isVisible()

    before = widths()
    assert not icon_shown()
    window.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, 'data.kind == "unit" &&')
    label = window.cel_error_label
    qtbot.waitUntil(lambda: label.isVisible(), timeout=5000)
    message = label.text()
    assert message.startswith("invalid CEL at character 23 (the end)") and "expected a value" in message
    assert edit.toolTip() == message and icon_shown()  # the icon at the field's end
    qtbot.waitUntil(lambda: widths() == before)  # nothing squeezed
    assert not bar.isAncestorOf(label) and label.geometry().top() >= bar.geometry().bottom()  # under the bar
    assert label.width() >= label.fontMetrics().horizontalAdvance(message)  # the message whole
    frame = edit.grab().toImage().pixelColor(1, edit.height() // 2)  # the red frame
    assert frame == edit.frame_colour() and contrast(frame, window.palette().base().color()) >= NON_TEXT
    edit.problem_action.trigger()  # the icon: the cursor to the place
    assert edit.cursorPosition() == 22
    window.table.setFocus()
    qtbot.waitUntil(lambda: not label.isVisible())  # the field keeps its frame, icon and tooltip
    assert edit.toolTip() == message
    edit.setText('data.kind == "unit"')
    qtbot.waitUntil(lambda: not icon_shown() and label.text() == "", timeout=5000)
    assert widths() == before and edit.toolTip() == ""


def test_a_long_passing_message_ends_in_an_ellipsis_before_the_counters(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window.widget)
    bar, counters = window.status.bar, window.rate_label
    fit = window.status.message_fit
    right = counters.x() - 2  # where the counters begin

    def counters_area() -> QImage:
        return bar.grab(QRect(right, 0, bar.width() - right, bar.height())).toImage()

    quiet = counters_area()
    message = "Exported 12,345 events to " + "/a/long/folder/name" * 12 + "/events.csv"
    window.status.tell(message)
    qtbot.waitUntil(lambda: bar.currentMessage() == message)  # the whole text for whoever reads it
    shown = fit.shown()
    assert shown.endswith("…") and message.startswith(shown[:-1])
    assert bar.fontMetrics().horizontalAdvance(shown) <= fit.room().width() and fit.room().right() < right
    assert bar.toolTip() == message
    assert counters_area() == quiet  # nothing drawn over the counters (Qt clipped it there, with no "…")
    window.status.tell("Copied 3 rows")  # a short one: whole, no tooltip
    qtbot.waitUntil(lambda: fit.shown() == "Copied 3 rows")
    bar.repaint()
    assert bar.toolTip() == ""
    bar.clearMessage()
    assert bar.toolTip() == ""
