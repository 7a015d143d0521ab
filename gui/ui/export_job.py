"""Export: the options and save dialogs, and each export as a job written in the background with
progress and ``cancel()``; its files appear only when complete, with their provenance beside them
(``NAME.csv.json``). CSV is written as the table shows it (for spreadsheets) unless raw fields are
asked for (for scripts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from gui import __version__
from gui.eventlog.columns import local_time_zone
from gui.eventlog.export import DEFAULT_COLUMNS, Cancelled, export_events
from gui.eventlog.filter import FilterSpec
from gui.eventlog.store import EventStore
from gui.eventlog.table_export import (
    CELL_LIMIT,
    SHEET_ROWS,
    SHOWN,
    ShownRows,
    TableExport,
    export_table,
    shown_columns,
    write_sidecar,
)
from gui.ui.dialogs import ExportOptionsDialog
from gui.ui.status import StatusPanel


@dataclass(frozen=True)
class Provenance:
    subscription: str
    spec: FilterSpec
    time_range: str  # the time-range preset's name


class ExportJob(QObject):
    """One export being written; ``finished`` carries a TableExport / row count, a Cancelled or an Exception."""

    finished = Signal(object)

    def __init__(self, work: Callable[[Callable[[int, int], bool]], Any], total: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.total, self._work = total, work
        self.cancelled = False
        self._done = 0
        self.progress = QProgressDialog("Exporting…", "Cancel", 0, max(1, total), parent)
        self.progress.setObjectName("exportProgress")
        self.progress.setMinimumDuration(500)
        self.progress.canceled.connect(self.cancel)
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(lambda: self.progress.setValue(self._done))

    def cancel(self) -> None:
        """Stop writing: no file is left, nor a temporary one."""
        self.cancelled = True

    def _tick(self, done: int, _total: int) -> bool:
        self._done = done
        return not self.cancelled

    def start(self, run_async: Callable[..., None]) -> None:
        self._timer.start()
        run_async(lambda: self._work(self._tick), self._finish, self._finish)

    def _finish(self, result: Any) -> None:
        self._timer.stop()
        self.progress.reset()
        self.finished.emit(result)


class Exporter:
    """The export commands of a window: which rows, which columns, where to; jobs still running."""

    def __init__(
        self,
        parent: QWidget,
        events: EventStore,
        settings: QSettings,
        status: StatusPanel,
        run_async: Callable[..., None],
        rows: Callable[[bool], Sequence[int]],
        has_selection: Callable[[], bool],
        provenance: Callable[[], Provenance],
        table_columns: Callable[[], tuple[str, ...]],
        local_time: Callable[[], bool],
    ) -> None:
        self.parent, self.events, self.settings, self.status, self.run_async = (
            parent,
            events,
            settings,
            status,
            run_async,
        )
        self.rows, self.has_selection, self.provenance = rows, has_selection, provenance
        self.table_columns, self.local_time = table_columns, local_time
        self.jobs: list[ExportJob] = []

    def shown_rows(self) -> ShownRows:
        """How the table's rows become cells (the table's columns and zone; tenant names known now)."""
        return ShownRows(shown_columns(self.table_columns()), dict(self.events.names), self.local_time())

    def dialog(self, fmt: str, selection: bool = False) -> None:
        has_selection = self.has_selection()
        options = ExportOptionsDialog(DEFAULT_COLUMNS, has_selection, fmt == "csv", self.parent)
        options.selection_check.setChecked(selection and has_selection)
        if not options.exec():
            return
        raw = options.mode_combo.currentData() == "raw"
        columns = options.chosen_columns()
        if fmt == "csv" and raw and not columns:
            self.status.tell("Choose at least one column to export")
            return
        selection = options.selection_check.isChecked()
        split: int | None = None
        count = len(self.rows(selection))
        if fmt == "csv" and count > SHEET_ROWS - 1:
            choice = self._ask_rows(count)
            if choice == "cancel":
                return
            if choice == "jsonl":
                fmt = "jsonl"
            elif choice == "split":
                split = SHEET_ROWS - 1
        suffix = "csv" if fmt == "csv" else "jsonl"
        path, _ = QFileDialog.getSaveFileName(
            self.parent,
            "Export events",
            self.default_path(suffix),
            "CSV (*.csv)" if fmt == "csv" else "JSON Lines (*.jsonl)",
        )
        if path:
            self.export_to(
                Path(path),
                fmt,
                selection=selection,
                bom=options.bom_check.isChecked(),
                columns=columns if raw else None,
                split=split,
            )

    def _ask_rows(self, count: int) -> str:
        """More rows than a spreadsheet opens: split, JSON Lines, one file anyway, or cancel."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "More rows than a spreadsheet opens",
            f"{count:,} rows: Excel and LibreOffice open at most {SHEET_ROWS:,} rows of a sheet (the header "
            "included), so the rest would be cut off when the file is opened.",
            QMessageBox.StandardButton.NoButton,
            self.parent,
        )
        box.setObjectName("exportRowsBox")
        split = box.addButton(f"Split into files of {SHEET_ROWS - 1:,} rows", QMessageBox.ButtonRole.AcceptRole)
        jsonl = box.addButton("Write JSON Lines instead", QMessageBox.ButtonRole.ActionRole)
        anyway = box.addButton("Write one file anyway", QMessageBox.ButtonRole.ActionRole)
        box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.setDefaultButton(split)
        box.exec()
        clicked = box.clickedButton()
        return (
            "split" if clicked is split else "jsonl" if clicked is jsonl else "one" if clicked is anyway else "cancel"
        )

    def default_path(self, suffix: str) -> str:
        """Where the save dialog starts: the folder of the last export (else Documents, else home),
        and a name with the date and time, so exports do not overwrite one another by default."""
        from datetime import datetime

        last = str(self.settings.value("export_dir") or "")
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        folder = next((Path(f) for f in (last, documents) if f and Path(f).is_dir()), Path.home())
        return str(folder / f"events-{datetime.now().strftime('%Y-%m-%d-%H%M')}.{suffix}")

    def export_to(
        self,
        path: Path,
        fmt: str = "csv",
        *,
        selection: bool = False,
        bom: bool = False,
        columns: tuple[str, ...] | None = None,
        split: int | None = None,
        on_done: Callable[[Any], None] | None = None,
    ) -> ExportJob:
        """``columns``: raw fields (for scripts); None: as the table shows them."""
        self.settings.setValue("export_dir", str(path.parent))  # the next export starts there
        rows = self.rows(selection)
        events = self.events
        read = events.json_arrays(rows)  # a snapshot; reading and decoding happen off the UI thread
        shown = self.shown_rows() if fmt == "csv" and columns is None else None
        origin = self.provenance()
        provenance = {
            "app": f"Event Monitor {__version__}",
            "subscription": origin.subscription,
            "format": fmt,
            "rows": len(rows),
            "selection": selection,
            "offsets": [int(events.seq[rows[0] - events.base]), int(events.seq[rows[-1] - events.base])]
            if rows
            else None,
            "columns": shown.header() if shown else list(columns or DEFAULT_COLUMNS),
            "times": "local" if shown and shown.local_time else "UTC",
            # local times are written without their offset (so that spreadsheets read them as dates): their zone
            "time_zone": local_time_zone() if shown and shown.local_time else "UTC",
            "filter": {
                "text": origin.spec.text,
                "types": sorted(origin.spec.types),
                "tenant": origin.spec.tenant,
                "time_range": origin.time_range,
                "since": origin.spec.since,
                "until": origin.spec.until,
                "cel": origin.spec.cel,
            },
        }

        def work(tick: Callable[[int, int], bool]) -> Any:
            if shown is not None:
                result: Any = export_table(path, read(), shown, bom=bom, total=len(rows), progress=tick, max_rows=split)
                files, cut = result.files, result.cut
            else:
                result = export_events(
                    path, read(), fmt=fmt, columns=columns or DEFAULT_COLUMNS, bom=bom, total=len(rows), progress=tick
                )
                files, cut = [path], 0
            for file in files:
                write_sidecar(
                    file, {**provenance, "file": file.name, "files": [f.name for f in files], "cut_cells": cut}
                )
            return result

        job = ExportJob(work, len(rows), self.parent)
        self.jobs.append(job)

        def finished(result: Any) -> None:
            self.jobs.remove(job)
            if isinstance(result, Cancelled):
                self.status.tell("Export cancelled; no file written")
            elif isinstance(result, Exception):
                self.status.error("Export failed", f"{result}\nNo file was written.")
            else:
                self.status.tell(self._outcome(result, path))
            if on_done is not None:
                on_done(result.rows if isinstance(result, TableExport) else result)

        job.finished.connect(finished)
        job.start(self.run_async)
        return job

    @staticmethod
    def _outcome(result: Any, path: Path) -> str:
        if not isinstance(result, TableExport):
            return f"Exported {result:,} events to {path}"
        where = path if len(result.files) == 1 else f"{len(result.files)} files {result.files[0].name}…"
        text = f"Exported {result.rows:,} events to {where}"
        if result.cut:
            text += (
                f"; {result.cut:,} cells longer than {CELL_LIMIT:,} characters were cut (marked; the JSON Lines "
                "export has them whole)"
            )
        return text

    def confirm_close(self) -> bool:
        """Closing while exports are written: ask; Yes cancels them (their files are not written)."""
        if not self.jobs:
            return True
        answer = QMessageBox.question(
            self.parent,
            "Export in progress",
            "An export is still being written. Stop it and close the window?\n\nIts file is not written.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        for job in self.jobs:
            job.cancel()
        return True


__all__ = ["SHOWN", "ExportJob", "Exporter", "Provenance"]
