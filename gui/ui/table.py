"""The event table view. A live tail repaints the whole viewport several times a second, so the view
paints its cells itself, from the model's cached roles, in one Python call per repaint."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionFocusRect, QStyleOptionViewItem, QTableView

from gui.ui.model import BACKGROUND, DISPLAY, FONT, TEXT_ALIGNMENT, EventTableModel

_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight)
TEXT_MARGIN = 3  # px left and right of a cell's text, as Qt's styles leave


class EventTableView(QTableView):
    """The event table, painted by ``paintEvent`` below rather than cell by cell through Qt's item
    delegate. Qt's way calls into Python three to four times per cell (row and column counts, the
    cell's roles) and lays each text out through the style; under a 10,000 events/s stream, with the
    consumer thread wanting the interpreter between those calls, a repaint of ~200 new cells took
    20-60 ms. Here a repaint is one Python call that fills backgrounds and draws each cell's text,
    clipped to the cell: what Qt draws for this table (alternating rows, selected rows, the
    committed and gap backgrounds, the grid, the focus frame, text aligned left or right), nothing
    it does not use (spans, editors, decorations, eliding, centred or wrapped text). Text is drawn a
    column at a time, at a point under one clip per column, rather than into a rectangle with
    alignment flags (which lays the text out to place it): 16-24% less time per repaint in an
    interleaved comparison. ``tests/gui/test_model.py`` compares both pixel for pixel."""

    copy_requested = Signal()  # Ctrl+C (the platform's copy keys): the window copies the selected rows
    pause_requested = Signal()  # Space in the table toggles pause
    newest_requested = Signal()  # End: follow the newest events again

    def __init__(self, model: EventTableModel) -> None:
        super().__init__()
        self.setModel(model)
        self.event_model = model

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):  # Qt's own copies the current cell only
            self.copy_requested.emit()
            event.accept()
            return
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if event.key() == Qt.Key.Key_Space and plain:
            self.pause_requested.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_End and plain:
            self.newest_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        model = self.event_model
        count = model.rowCount()
        area = event.rect()
        first = self.rowAt(area.top())
        if not count or first < 0:
            return
        last = self.rowAt(area.bottom())
        last = count - 1 if last < 0 else last
        header = self.horizontalHeader()
        columns = []  # (logical column, x, width) of the columns in the area, in visual order
        for visual in range(header.count()):
            column = header.logicalIndex(visual)
            x, width = self.columnViewportPosition(column), self.columnWidth(column)
            if width > 0 and not header.isSectionHidden(column) and x + width > area.left() and x <= area.right():
                columns.append((column, x, width))
        if not columns:
            return
        palette = self.palette()
        group = QPalette.ColorGroup.Active if self.isActiveWindow() else QPalette.ColorGroup.Inactive
        highlight = palette.brush(group, QPalette.ColorRole.Highlight)
        highlighted_text = palette.color(group, QPalette.ColorRole.HighlightedText)
        text = palette.color(group, QPalette.ColorRole.Text)
        alternate = palette.brush(group, QPalette.ColorRole.AlternateBase) if self.alternatingRowColors() else None
        selection = self.selectionModel()
        root = QModelIndex()
        left, right = columns[0][1], columns[-1][1] + columns[-1][2]
        height = self.rowHeight(first)  # every row has it: the vertical header's fixed default size
        y = self.rowViewportPosition(first)
        font = self.font()
        grid = 1 if self.showGrid() else 0
        cell_height = height - grid
        # per font a cell asks for: that font completed by the table's (as Qt's delegate does), its
        # metrics, and its text's baseline below the top of a cell (centred as Qt's styles centre it)
        fonts: dict[Any, tuple[QFont, QFontMetricsF, float]] = {}

        def resolve(cell_font: Any) -> tuple[QFont, QFontMetricsF, float]:
            full = font if cell_font is None else cell_font.resolve(font)
            metrics = QFontMetricsF(full)
            fonts[cell_font] = resolved = (
                full,
                metrics,
                (cell_height - round(metrics.height())) // 2 + metrics.ascent(),
            )
            return resolved

        rows = [(model.row_roles(row), selection.isRowSelected(row, root)) for row in range(first, last + 1)]
        elide = None if self.textElideMode() == Qt.TextElideMode.ElideNone else self.textElideMode()
        painter = QPainter(self.viewport())
        try:
            painter.setClipRect(area)
            top = y
            for index, (cells, selected) in enumerate(rows):  # backgrounds, row by row
                if selected:
                    painter.fillRect(left, y, right - left, height, highlight)
                else:
                    if alternate is not None and (first + index) & 1:
                        painter.fillRect(left, y, right - left, height, alternate)
                    for column, x, width in columns:
                        background = cells[column].get(BACKGROUND)
                        if background is not None:
                            painter.fillRect(x, y, width - grid, cell_height, background)
                y += height
            # text, column by column: one clip per column (text stops at the cell's inner edge, as
            # Qt's styles clip it) and a plain drawText at a point per cell
            pen = None
            for column, x, width in columns:
                current_font = None
                for index, (cells, selected) in enumerate(rows):
                    cell = cells[column]
                    alignment = cell.get(TEXT_ALIGNMENT, _LEFT)
                    inner = width - grid - (TEXT_MARGIN if alignment & _RIGHT_ALIGNED else 0) - TEXT_MARGIN
                    if index == 0:  # a column's cells share their alignment, so their inner edges
                        painter.setClipRect(QRect(x + TEXT_MARGIN, top, inner, y - top).intersected(area))
                    cell_font = cell.get(FONT)
                    full, metrics, baseline = fonts.get(cell_font) or resolve(cell_font)
                    if cell_font is not current_font:
                        painter.setFont(full)
                        current_font = cell_font
                    colour = highlighted_text if selected else text
                    if colour is not pen:
                        painter.setPen(colour)
                        pen = colour
                    shown = cell.get(DISPLAY, "")
                    left_x: float = x + TEXT_MARGIN
                    advance = metrics.horizontalAdvance(shown)
                    room = width - grid - 2 * TEXT_MARGIN  # Qt's text rectangle, margins on both sides
                    if elide is not None and advance > room:  # too long: it ends in "…", as Qt's delegate elides
                        shown = metrics.elidedText(shown, elide, room)
                        advance = metrics.horizontalAdvance(shown)
                    if alignment & _RIGHT_ALIGNED:
                        left_x += inner - advance
                    painter.drawText(QPointF(left_x, top + index * height + baseline), shown)
                if current_font is not None:
                    painter.setFont(font)
            painter.setClipRect(area)
            if grid:
                option = QStyleOptionViewItem()
                option.initFrom(self)
                color = self.style().styleHint(QStyle.StyleHint.SH_Table_GridLineColor, option, self) & 0xFFFFFFFF
                painter.setPen(QColor.fromRgba(color))
                top, bottom = self.rowViewportPosition(first), y - 1
                for row_y in range(top + height - 1, y, height):
                    painter.drawLine(left, row_y, right - 1, row_y)
                for _, x, width in columns:
                    painter.drawLine(x + width - 1, top, x + width - 1, bottom)
            current = self.currentIndex()
            if self.hasFocus() and current.isValid() and first <= current.row() <= last:
                frame = QStyleOptionFocusRect()
                frame.initFrom(self)
                frame.rect = self.visualRect(current)  # the cell, without its grid lines
                focused = selection.isRowSelected(current.row(), root)
                frame.state |= QStyle.StateFlag.State_KeyboardFocusChange | QStyle.StateFlag.State_Item
                if focused:
                    frame.state |= QStyle.StateFlag.State_Selected
                frame.backgroundColor = palette.color(
                    group, QPalette.ColorRole.Highlight if focused else QPalette.ColorRole.Window
                )
                self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, frame, painter, self)
        finally:
            painter.end()  # a painter left open would abort the window's next paint
