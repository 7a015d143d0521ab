"""The event table view. A live tail repaints the whole viewport several times a second, so the view
paints its cells itself, from the model's cached roles, in one Python call per repaint."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionFocusRect, QStyleOptionViewItem, QTableView

from gui.ui.model import BACKGROUND, DISPLAY, FONT, TEXT_ALIGNMENT, EventTableModel

_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight)
_HORIZONTAL = int(Qt.AlignmentFlag.AlignHorizontal_Mask)
_TOP = int(Qt.AlignmentFlag.AlignTop)
TEXT_MARGIN = 3  # px left and right of a cell's text, as Qt's styles leave


class EventTableView(QTableView):
    """The event table, painted by ``paintEvent`` below rather than cell by cell through Qt's item
    delegate. Qt's way calls into Python three to four times per cell (row and column counts, the
    cell's roles) and lays each text out through the style; under a 10,000 events/s stream, with the
    consumer thread wanting the interpreter between those calls, a repaint of ~200 new cells took
    20-60 ms. Here a repaint is one Python call that fills backgrounds and draws each cell's text,
    clipped to the cell: what Qt draws for this table (alternating rows, selected rows, the
    committed and gap backgrounds, the grid, the focus frame), nothing it does not use (spans,
    editors, decorations, eliding). ``tests/gui/test_model.py`` compares both pixel for pixel."""

    copy_requested = Signal()  # Ctrl+C (the platform's copy keys): the window copies the selected rows

    def __init__(self, model: EventTableModel) -> None:
        super().__init__()
        self.setModel(model)
        self.event_model = model

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):  # Qt's own copies the current cell only
            self.copy_requested.emit()
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
        # per font a cell asks for: that font completed by the table's (as Qt's delegate does), and
        # where its text starts below the top of a cell (centred as Qt's styles centre it)
        fonts: dict[Any, tuple[QFont, int]] = {None: (font, (cell_height - QFontMetrics(font).height()) // 2)}
        painter = QPainter(self.viewport())
        try:
            painter.setClipRect(area)
            for row in range(first, last + 1):
                cells = model.row_roles(row)
                selected = selection.isRowSelected(row, root)
                if selected:
                    painter.fillRect(left, y, right - left, height, highlight)
                    painter.setPen(highlighted_text)
                else:
                    if alternate is not None and row & 1:
                        painter.fillRect(left, y, right - left, height, alternate)
                    painter.setPen(text)
                for column, x, width in columns:
                    cell = cells[column]
                    if not selected:
                        background = cell.get(BACKGROUND)
                        if background is not None:
                            painter.fillRect(x, y, width - grid, cell_height, background)
                    cell_font = cell.get(FONT)
                    resolved = fonts.get(cell_font)
                    if resolved is None:
                        full = cell_font.resolve(font)
                        resolved = fonts[cell_font] = (full, (cell_height - QFontMetrics(full).height()) // 2)
                    full, top = resolved
                    if cell_font is not None:
                        painter.setFont(full)
                    # as Qt's styles do: the text placed within margins, drawn up to the cell's edge
                    alignment = cell.get(TEXT_ALIGNMENT, _LEFT)
                    inner = width - grid - (TEXT_MARGIN if alignment & _RIGHT_ALIGNED else 0) - TEXT_MARGIN
                    painter.drawText(
                        QRect(x + TEXT_MARGIN, y + top, inner, cell_height - top),
                        (alignment & _HORIZONTAL) | _TOP,
                        cell.get(DISPLAY, ""),
                    )
                    if cell_font is not None:
                        painter.setFont(font)
                y += height
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
