"""Export: the export command's one dialog (gui.ui.export_dialog), and each export as a job
written in the background with progress and ``cancel()``; its files appear only when complete,
with their provenance beside them (``NAME.csv.json``). CSV is written as the table shows it (for
spreadsheets) unless raw fields are asked for (for scripts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

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
from gui.eventlog.view import ViewSpec
from gui.ui import background, message
from gui.ui.export_dialog import ExportOptionsDialog


@dataclass(frozen=True)
class Provenance:
    subscription: str
    spec: FilterSpec
    time_range: str  # the time-range preset's name
    view: ViewSpec | None = None  # the view as saved views and the window state keep it


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

    def start(self) -> None:
        self._timer.start()
        background.run(self, lambda: self._work(self._tick), self._finish, self._finish)

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
        rows: Callable[[bool], Sequence[int]],
        has_selection: Callable[[], bool],
        provenance: Callable[[], Provenance],
        table_columns: Callable[[], tuple[str, ...]],
        local_time: Callable[[], bool],
    ) -> None:
        self.parent, self.events, self.settings = parent, events, settings
        self.rows, self.has_selection, self.provenance = rows, has_selection, provenance
        self.table_columns, self.local_time = table_columns, local_time
        self.jobs: list[ExportJob] = []

    def shown_rows(self) -> ShownRows:
        """How the table's rows become cells (the table's columns and zone; tenant names known now)."""
        return ShownRows(shown_columns(self.table_columns()), dict(self.events.names), self.local_time())

    def dialog(self, fmt: str, selection: bool = False) -> ExportOptionsDialog:
        """The export command's one dialog (where to, and the options, as last time); exports
        when it is accepted. Opened, not run: no nested event loop."""
        counts = (len(self.rows(False)), len(self.rows(True)) if self.has_selection() else 0)
        s = self.settings
        raw_columns = tuple(c for c in str(s.value("export_raw_columns") or "").split(",") if c)
        options = ExportOptionsDialog(
            fmt,
            self.default_path("csv" if fmt == "csv" else "jsonl"),
            counts,
            DEFAULT_COLUMNS,
            self.parent,
            selection=selection,
            sheet_rows=SHEET_ROWS,
            remembered=(str(s.value("export_mode") or "table"), str(s.value("export_bom")) == "true", raw_columns),
        )

        def accepted() -> None:
            choice = options.choice()
            if fmt == "csv":  # the next export offers the same
                s.setValue("export_mode", options.mode_combo.currentData())
                s.setValue("export_bom", "true" if options.bom_check.isChecked() else "false")
                s.setValue("export_raw_columns", ",".join(options.chosen_columns()))
            self.export_to(
                choice.path,
                choice.fmt,
                selection=choice.selection,
                bom=choice.bom,
                columns=choice.columns,
                split=choice.split,
            )

        options.accepted.connect(accepted)
        options.finished.connect(options.deleteLater)
        self.open_dialog = options
        options.open()
        return options

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
            "view": origin.view.as_dict() if origin.view else None,
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
                message.info(self.parent, "Export cancelled; no file written")
            elif isinstance(result, Exception):
                message.error(self.parent, "Export failed", f"{result}\nNo file was written.")
            else:
                message.info(self.parent, self._outcome(result, path))
            if on_done is not None:
                on_done(result.rows if isinstance(result, TableExport) else result)

        job.finished.connect(finished)
        job.start()
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
