"""The event table as a user sees it: the view, following the tail (until a row is selected or
the user scrolls up), the "N new events ↓" button, the cap notice, copying rows and the context
menu."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.api.models import short_type
from gui.eventlog.columns import TABLE_KEYS
from gui.eventlog.table_export import ShownRows, shown_columns
from gui.ui import message
from gui.ui.actions import named
from gui.ui.model import EventTableModel
from gui.ui.payload_column import PayloadColumnDialog
from gui.ui.table import EventTableView

# rows Ctrl+C copies at most: their text is made on the UI thread (~90 ms here); export takes any number
COPY_ROWS = 5_000
_ONE_LINE = str.maketrans("\t\r\n", "   ")  # a copied cell stays one cell of one line


class EventTable(QWidget):
    commit_requested = Signal()
    export_selection_requested = Signal()
    copy_event_requested = Signal()
    columns_changed = Signal()  # shown, hidden, moved, added or removed: remembered by the window
    filter_requested = Signal(str, str)  # ("tenant" | "type" | "subject", value): a row action
    history_requested = Signal()  # show the selected event's subject history

    def __init__(self, model: EventTableModel, banner: QWidget) -> None:
        super().__init__()
        self.setObjectName("eventTablePart")
        self.model = model
        self.shown_rows: Callable[[], ShownRows] = lambda: ShownRows(shown_columns(TABLE_KEYS), {}, model.local_time)
        self.follow = True
        # store rows from this one on arrived while the user looked elsewhere (not following)
        self.seen_end = model.end
        view = self.view = named(EventTableView(model), "eventTable", "Events")
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        view.setTextElideMode(Qt.TextElideMode.ElideRight)  # text too long for its column ends in "…"
        font = QFont(view.font())
        # a repaint of a live tail lays out ~300 new strings: no shaping for scripts that do not
        # need it (IDs, times, Latin names)
        font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        view.setFont(font)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(22)
        header = view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self.on_header_menu)
        header.sectionMoved.connect(lambda *_: self.columns_changed.emit())
        for section, column in enumerate(model.columns):  # gui.eventlog.columns: each one's width
            view.setColumnWidth(section, column.width)
        self.new_events_button = named(QPushButton("0 new events ↓"), "newEventsButton", "Jump to newest")
        self.new_events_button.setToolTip("Follow the newest events again (End)")
        self.new_events_button.hide()
        self.cap_notice = named(QLabel(""), "capNoticeLabel", "Dropped events notice")
        self.cap_notice.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(banner)
        layout.addWidget(view)
        bottom = QHBoxLayout()
        bottom.addWidget(self.cap_notice)
        bottom.addStretch(1)
        bottom.addWidget(self.new_events_button)
        layout.addLayout(bottom)
        view.verticalScrollBar().valueChanged.connect(self.on_scrolled)
        view.customContextMenuRequested.connect(self.on_menu)
        view.copy_requested.connect(self.copy_rows)
        view.newest_requested.connect(self.jump_to_newest)
        # in a sorted table the button sorts again instead (gui.ui.sorting)
        self.new_events_button.clicked.connect(lambda: self.jump_to_newest() if self.model.order is None else None)

    # -- following the tail ------------------------------------------------------------------

    def reset(self) -> None:
        self.follow = True
        self.seen_end = self.model.end
        self.new_events_button.hide()
        self.cap_notice.hide()

    def show_added(self, added: int, dropped: int, cap: int) -> None:
        """Rows were added (and the oldest perhaps dropped): follow the tail, or count them."""
        if dropped:
            self.cap_notice.setText(f"⚠ {dropped:,} oldest events dropped (cap {cap:,})")
            self.cap_notice.show()
        if self.follow and not self.view.selectionModel().hasSelection():
            self.view.scrollToBottom()
        elif added:
            self.follow = False
        self.show_new_count()

    @property
    def new_below(self) -> int:
        """The new rows the table shows now (through the current filter) that arrived unseen."""
        model = self.model
        if model.view is None:
            return max(0, model.end - max(self.seen_end, model.store.base))
        return len(model.view) - bisect_left(model.view, self.seen_end)

    def bottom_on_screen(self) -> bool:
        """The last row is in the viewport (read from the rows' positions: the scroll bar's range
        is laid out later)."""
        last = self.model.rowCount() - 1
        view = self.view
        return last < 0 or view.rowViewportPosition(last) + view.rowHeight(last) <= view.viewport().height()

    def show_new_count(self) -> None:
        """The "N new events ↓" button: the unseen rows the filter shows, hidden once the last row
        is on screen (they are seen). A sorted table says its held rows there (gui.ui.sorting)."""
        if self.model.order is not None:
            return
        if self.follow or self.bottom_on_screen() or self.seen_end > self.model.end:  # (a new stream's rows)
            self.seen_end = self.model.end
        count = self.new_below
        if not count:
            self.new_events_button.hide()
            return
        self.new_events_button.setText(f"{count:,} new event{'' if count == 1 else 's'} ↓")
        self.new_events_button.setToolTip("Follow the newest events again (End)")
        self.new_events_button.show()

    def stop_following(self) -> None:
        """A row was selected: it stays where it is while events arrive."""
        self.follow = False

    def on_scrolled(self, value: int) -> None:
        at_end = value >= self.view.verticalScrollBar().maximum() - 2
        if at_end and not self.view.selectionModel().hasSelection():
            self.follow = True
        elif not at_end:
            self.follow = False
        self.show_new_count()

    def jump_to_newest(self) -> None:
        """End / "N new ↓": follow the tail again (the selection goes: it would hold the table still)."""
        self.follow = True
        self.view.clearSelection()
        self.view.scrollToBottom()
        self.show_new_count()

    def scroll_if_following(self) -> None:
        """The filter changed: the tail followed, the count of new rows is the new filter's."""
        if self.follow:
            self.view.scrollToBottom()
        self.show_new_count()

    # -- selection and copy ------------------------------------------------------------------

    def selected_rows(self) -> array[int]:
        """The store rows of the selected table rows, in table order: from the selection's ranges,
        not a list of a million indexes when everything is selected."""
        spans: list[tuple[int, int]] = []
        ranges: Any = self.view.selectionModel().selection()  # a QItemSelection (iterable; not in PySide6's stubs)
        for first, last in sorted((r.top(), r.bottom()) for r in ranges):
            if spans and first <= spans[-1][1] + 1:  # overlapping or touching: one span
                spans[-1] = (spans[-1][0], max(spans[-1][1], last))
            else:
                spans.append((first, last))
        return self.model.rows_in(spans)

    def scroll_to_row(self, row: int | None) -> None:
        """Show view ``row`` at the top, selected (a timeline bucket was clicked); it stays there."""
        if row is None:
            return
        self.stop_following()
        index = self.model.index(row, 0)
        self.view.scrollTo(index, self.view.ScrollHint.PositionAtTop)
        self.view.setCurrentIndex(index)

    def visible_columns(self) -> tuple[str, ...]:
        """The shown columns (their keys), in the order the user sees them."""
        header = self.view.horizontalHeader()
        logical = (header.logicalIndex(visual) for visual in range(header.count()))
        return tuple(self.model.column_key(i) for i in logical if not header.isSectionHidden(i))

    def rows_to_export(self, selection: bool = False) -> Sequence[int]:
        """The store rows to export: the selected ones, or all shown (a snapshot, made without a
        Python loop over every row: exporting a million rows does not stall the window)."""
        return self.selected_rows() if selection else self.model.shown_rows()

    def selected_sequence(self) -> int | None:
        row = self.selected_row()
        store = self.model.store
        return None if row is None else int(store.seq[row - store.base])

    def selected_row(self) -> int | None:
        """The store row of the current table row."""
        index = self.view.currentIndex()
        return self.model.row_id(index.row()) if index.isValid() else None

    def copy_rows(self) -> None:
        """Ctrl+C: the selected rows as the table shows them, tab-separated under a header line
        (pastes into a spreadsheet as columns); at most COPY_ROWS, export is there for more."""
        rows = self.selected_rows()
        if not rows:
            message.info(self, "Select rows to copy")
            return
        taken = rows[:COPY_ROWS]
        shown = self.shown_rows()  # the export's columns, as the table shows them
        lines = ["\t".join(shown.header())]
        for array_json in self.model.store.json_arrays(taken)():
            lines += ("\t".join(cell.translate(_ONE_LINE) for cell in row) for row in shown.rows(array_json))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        message.info(self,
            f"Copied {len(taken):,} rows"
            if len(taken) == len(rows)
            else f"Copied the first {len(taken):,} of {len(rows):,} selected rows; Export CSV… writes them all"
        )

    def copy_cell(self, index: QModelIndex) -> None:
        QGuiApplication.clipboard().setText(str(index.data() or ""))

    # -- columns ---------------------------------------------------------------------------------

    def on_header_menu(self, pos: Any) -> None:
        self.header_menu(pos).popup(self.view.horizontalHeader().mapToGlobal(pos))  # no nested event loop

    def header_menu(self, pos: Any) -> QMenu:
        """Show or hide each column, add a column from the payload, remove one of one's own."""
        header = self.view.horizontalHeader()
        model = self.model
        menu = QMenu(self)
        menu.setObjectName("columnsMenu")
        shown = [i for i in range(model.columnCount()) if not header.isSectionHidden(i)]
        for visual in range(header.count()):
            section = header.logicalIndex(visual)
            action = menu.addAction(str(model.headerData(section, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(section))
            action.setEnabled(header.isSectionHidden(section) or len(shown) > 1)  # one column always stays
            action.toggled.connect(lambda on, s=section: self.set_column_shown(s, on))
        menu.addSeparator()
        clicked = header.logicalIndexAt(pos)
        if clicked >= 0:
            name = str(model.headerData(clicked, Qt.Orientation.Horizontal))
            visual = header.visualIndex(clicked)
            left = menu.addAction(f"Move {name} left", lambda: self.move_column(clicked, -1))
            left.setEnabled(visual > 0)
            right = menu.addAction(f"Move {name} right", lambda: self.move_column(clicked, 1))
            right.setEnabled(visual < header.count() - 1)
        menu.addAction("Add payload column…", self.ask_payload_column)
        if clicked >= 0 and model.is_payload_column(clicked):
            path = model.column_key(clicked)
            menu.addAction(f"Remove column {path}", lambda: self.remove_payload_column(path))
        menu.addAction("Show all columns", self.show_all_columns)
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def set_column_shown(self, section: int, shown: bool) -> None:
        self.view.horizontalHeader().setSectionHidden(section, not shown)
        self.columns_changed.emit()

    def move_column(self, section: int, step: int) -> None:
        """One place left (-1) or right (+1), as dragging its header does."""
        header = self.view.horizontalHeader()
        visual = header.visualIndex(section)
        target = min(max(visual + step, 0), header.count() - 1)
        if target != visual:
            header.moveSection(visual, target)  # sectionMoved: remembered

    def show_all_columns(self) -> None:
        header = self.view.horizontalHeader()
        for section in range(header.count()):
            header.setSectionHidden(section, False)
        self.columns_changed.emit()

    def ask_payload_column(self) -> None:
        """A path such as data.kind, asked without a nested event loop."""
        dialog = PayloadColumnDialog(self, self.try_payload_column)
        dialog.finished.connect(dialog.deleteLater)
        self.payload_dialog = dialog
        dialog.open()

    def add_payload_column(self, path: str) -> bool:
        """Add (and scroll to) a column of ``path``; a path that is none is said in the status bar."""
        error = self.try_payload_column(path)
        if error:
            message.info(self, f"Column not added: {error}")
        return not error

    def try_payload_column(self, path: str) -> str:
        """Add a column of ``path`` and scroll to it: "" when done, else why it could not be."""
        try:
            section = self.model.add_payload_column(path)
        except ValueError as err:
            return str(err)
        self.view.horizontalHeader().setSectionHidden(section, False)
        self.view.setColumnWidth(section, self.model.columns[section].width)
        self.columns_changed.emit()
        self.scroll_to_column(section)
        return ""

    def scroll_to_column(self, section: int) -> None:
        """Bring ``section`` into view, the rows staying where they are (the scroll bars' ranges
        are laid out first: the new column's room is not known before)."""
        view, model = self.view, self.model
        view.updateGeometries()
        if model.rowCount():
            rows = view.verticalScrollBar()
            value = rows.value()
            rows.blockSignals(True)  # sideways only: a table following the tail keeps following it
            view.scrollTo(model.index(max(view.rowAt(0), 0), section))
            rows.setValue(value)
            rows.blockSignals(False)

    def remove_payload_column(self, path: str) -> None:
        self.model.remove_payload_column(path)
        self.columns_changed.emit()

    # -- the row menu ----------------------------------------------------------------------------

    def on_menu(self, pos: Any) -> None:
        self.row_menu(pos).popup(self.view.viewport().mapToGlobal(pos))  # no nested event loop

    def row_menu(self, pos: Any) -> QMenu:
        """Commit, copy, export, and the row actions: filter by this tenant, type or subject, its history."""
        menu = QMenu(self)
        menu.setObjectName("rowMenu")
        menu.addAction("Commit up to here", self.commit_requested.emit)
        index = self.view.indexAt(pos)
        if index.isValid():
            menu.addAction("Copy cell", lambda: self.copy_cell(index))
            row = self.model.row_id(index.row())
            event = self.model.store.event(row)
            menu.addSeparator()
            for key, label, field in (
                ("tenant", "tenant", "tenant_id"),
                ("type", "type", "type"),
                ("subject", "subject", "subject"),
            ):
                value = event.get(field)
                if isinstance(value, str) and value:
                    shown = self.model.store.tenant_label(value) if key == "tenant" else value
                    if key == "type":
                        shown = short_type(value)
                    menu.addAction(
                        f"Filter by this {label}: {shown[:40]}", partial(self.filter_requested.emit, key, value)
                    )
            menu.addAction("Show this subject's history", self.history_requested.emit)
            menu.addSeparator()
        menu.addAction("Copy rows\tCtrl+C", self.copy_rows)
        menu.addAction("Copy event JSON", self.copy_event_requested.emit)
        menu.addAction("Export selection…", self.export_selection_requested.emit)
        menu.aboutToHide.connect(menu.deleteLater)
        return menu
