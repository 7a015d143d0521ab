"""The export dialog: one window-modal dialog per export command (Ctrl+E, Export JSON Lines…,
Export selection…) with where to save, already filled in (a dated name in the last export's
folder; Browse… for another place, in the platform's own save dialog), and the format's options,
remembered from the last export. A CSV of more rows than a sheet opens says so here too, with
the choice of splitting it, JSON Lines, or one file anyway. Opened with ``open()``: never a nested
event loop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.ui.actions import built
from gui.words import counted

FILTERS = {"csv": "CSV (*.csv)", "jsonl": "JSON Lines (*.jsonl)"}
NAMES = {"csv": "CSV", "jsonl": "JSON Lines"}


@dataclass(frozen=True)
class ExportChoice:
    """What the dialog was answered with."""

    path: Path
    fmt: str  # "csv" | "jsonl"
    selection: bool
    bom: bool
    columns: tuple[str, ...] | None  # raw fields (for scripts); None: as the table shows them
    split: int | None  # rows per file, when a CSV is split into files a sheet opens


class ExportOptionsDialog(QDialog):
    """Where to, columns, Excel BOM, only the selected rows: the export in one dialog."""

    def __init__(
        self,
        fmt: str,
        path: str,
        counts: tuple[int, int],
        columns: tuple[str, ...],
        parent: QWidget | None = None,
        *,
        selection: bool = False,
        sheet_rows: int = 1_048_576,
        remembered: tuple[str, bool, tuple[str, ...]] = ("table", False, ()),
    ) -> None:
        """``counts``: the rows shown and the rows selected; ``remembered``: the last export's
        column mode, BOM and raw columns; ``sheet_rows``: a sheet's rows, the header included."""
        super().__init__(parent)
        self.setObjectName("exportOptionsDialog")
        self.fmt, self.counts, self.sheet_rows = fmt, counts, sheet_rows
        self.setWindowTitle(f"Export {NAMES[fmt]}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.summary_label = built(QLabel(), "exportSummaryLabel")
        self.path_edit = built(QLineEdit(path), "exportPathEdit")
        self.path_edit.setMinimumWidth(420)
        self._replace: Path | None = None  # a file there already that the user agreed to replace
        self.path_edit.textChanged.connect(self._path_changed)
        self.browse_button = built(QPushButton("Browse…"), "exportBrowseButton")
        self.browse_button.clicked.connect(self.browse)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(self.browse_button)
        mode, bom, raw_columns = remembered
        self.columns_list = built(QListWidget(), "exportColumnsList")
        for column in columns:
            item = QListWidgetItem(column)
            item.setCheckState(
                Qt.CheckState.Checked if not raw_columns or column in raw_columns else Qt.CheckState.Unchecked
            )
            self.columns_list.addItem(item)
        self.mode_combo = built(QComboBox(), "exportColumnsMode")
        self.mode_combo.addItem("As the table shows them (for spreadsheets)", "table")
        self.mode_combo.addItem("Raw fields, full type names (for scripts)", "raw")
        self.mode_combo.currentIndexChanged.connect(
            lambda: self.columns_list.setEnabled(self.mode_combo.currentData() == "raw")
        )
        self.mode_combo.setCurrentIndex(max(self.mode_combo.findData(mode), 0))
        self.columns_list.setEnabled(self.mode_combo.currentData() == "raw")
        self.bom_check = built(QCheckBox("UTF-8 with BOM (for Excel)"), "exportBomCheck")
        self.bom_check.setChecked(bom)
        self.selection_check = built(QCheckBox(f"Only the {counted(counts[1], 'selected row')}"), "exportSelectionCheck")
        self.selection_check.setChecked(selection and counts[1] > 0)
        self.selection_check.toggled.connect(self._update)
        # more rows than a sheet opens: split, JSON Lines, or one file anyway
        self.rows_box = built(QGroupBox("More rows than a spreadsheet opens"), "exportRowsBox")
        self.rows_label = QLabel(wordWrap=True)
        self.rows_combo = built(QComboBox(), "exportRowsCombo")
        self.rows_combo.addItem(f"Split into files of {sheet_rows - 1:,} rows", "split")
        self.rows_combo.addItem("Write JSON Lines instead", "jsonl")
        self.rows_combo.addItem("Write one file anyway", "one")
        rows_layout = QVBoxLayout(self.rows_box)
        rows_layout.addWidget(self.rows_label)
        rows_layout.addWidget(self.rows_combo)
        self.error_label = built(QLabel(), "exportErrorLabel", wordWrap=True)
        self.error_label.setStyleSheet("color: #c0392b")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow(self.summary_label)
        form.addRow("Save to", where)
        if fmt == "csv":
            form.addRow("Columns", self.mode_combo)
            form.addRow("", self.columns_list)
            form.addRow("", self.bom_check)
        if counts[1]:  # an option that could never be taken is not shown
            form.addRow("", self.selection_check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.rows_box)
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def count(self) -> int:
        return self.counts[1] if self.selection_check.isChecked() else self.counts[0]

    def _update(self) -> None:
        count = self.count()
        which = "selected rows" if self.selection_check.isChecked() else "rows the table shows"
        self.summary_label.setText(f"{counted(count, 'event')}: the {which} (when this opened; new ones go too)")
        too_many = self.fmt == "csv" and count > self.sheet_rows - 1
        self.rows_label.setText(
            f"{count:,} rows: Excel and LibreOffice open at most {self.sheet_rows:,} rows of a sheet (the header "
            "included), so the rest would be cut off when the file is opened."
        )
        self.rows_box.setVisible(too_many)
        self.adjustSize()

    def browse(self) -> None:
        """Another place or name, in the platform's save dialog (opened, not a nested event loop)."""
        dialog = QFileDialog(self, "Export events", self.path_edit.text(), FILTERS[self.fmt])
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(self.fmt)
        dialog.fileSelected.connect(self._picked)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()

    def _picked(self, path: str) -> None:
        self.path_edit.setText(path)
        self._replace = Path(path)  # the save dialog asked whether to replace it

    def _path_changed(self) -> None:
        self._replace = None
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.error_label.hide()

    def chosen_columns(self) -> tuple[str, ...]:
        items = (self.columns_list.item(i) for i in range(self.columns_list.count()))
        return tuple(item.text() for item in items if item.checkState() == Qt.CheckState.Checked)

    def choice(self) -> ExportChoice:
        fmt, split = self.fmt, None
        path = Path(self.path_edit.text().strip()).expanduser()
        if self.rows_box.isVisibleTo(self):
            rows = self.rows_combo.currentData()
            if rows == "jsonl":
                fmt, path = "jsonl", path.with_suffix(".jsonl")
            elif rows == "split":
                split = self.sheet_rows - 1
        raw = fmt == "csv" and self.mode_combo.currentData() == "raw"
        return ExportChoice(
            path,
            fmt,
            self.selection_check.isChecked(),
            fmt == "csv" and self.bom_check.isChecked(),
            self.chosen_columns() if raw else None,
            split,
        )

    def _problem(self) -> str | None:
        text = self.path_edit.text().strip()
        if not text:
            return "Say where to save the export."
        path = Path(text).expanduser()
        if not path.parent.is_dir():
            return f"There is no folder {path.parent}."
        if path.is_dir():
            return f"{path} is a folder: add a file name."
        if self.fmt == "csv" and self.mode_combo.currentData() == "raw" and not self.chosen_columns():
            return "Choose at least one column to export."
        return None

    def _accept(self) -> None:
        problem = self._problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        path = Path(self.path_edit.text().strip()).expanduser()
        if path.is_file() and path != self._replace:  # asked here, not in a box over the dialog
            self._replace = path
            self.error_label.setText(f"{path.name} already exists in {path.parent}. Replace it?")
            self.error_label.show()
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Replace")
            return
        self.accept()
