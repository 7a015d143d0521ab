"""Readable in light and in dark: every status text meets WCAG AA (4.5:1), measured from the pixels
the window paints, in each state of the stream, and again after a switch of scheme."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QWidget

from gui.emulator import Emulator
from gui.storage import StateStore
from gui.ui.status import StreamBanner
from gui.ui.tones import AA, TONES, contrast, luminance
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
    qtbot.waitExposed(window)
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
    on_screen = window.grab(QRect(banner.mapTo(window, QPoint(0, 0)), banner.size()))  # as the window shows it
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
        qtbot.waitExposed(window)
        choose(window.commit_mode_combo, "stored")
        start(qtbot, window, "stored", until_rows=100)
        qtbot.waitUntil(lambda: "lost" in window.gap_label.text(), timeout=5000)
        check_readable(qtbot, window, window.gap_label)
