"""Export: the options and save dialogs, and each export as a job written in the background with
progress and ``cancel()``; its file appears only when complete."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from gui.api.durations import format_time
from gui.eventlog.export import DEFAULT_COLUMNS, Cancelled, export_events
from gui.eventlog.store import EventStore, FilterSpec
from gui.ui.dialogs import ExportOptionsDialog
from gui.ui.status import StatusPanel


class ExportJob(QObject):
    """One export being written; ``finished`` carries the row count, a Cancelled or an Exception."""

    finished = Signal(object)

    def __init__(self, path: Path, read: Callable[[], Any], total: int, parent: QWidget, **options: Any) -> None:
        super().__init__(parent)
        self.path, self.total, self._read, self._options = path, total, read, options
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

    def work(self) -> int:
        """Runs on a worker thread."""
        return export_events(self.path, self._read(), total=self.total, progress=self._tick, **self._options)

    def start(self, run_async: Callable[..., None]) -> None:
        self._timer.start()
        run_async(self.work, self._finish, self._finish)

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
        provenance: Callable[[], tuple[str, FilterSpec]],
    ) -> None:
        self.parent, self.events, self.settings, self.status, self.run_async = (
            parent,
            events,
            settings,
            status,
            run_async,
        )
        self.rows, self.has_selection, self.provenance = rows, has_selection, provenance
        self.jobs: list[ExportJob] = []

    def dialog(self, fmt: str, selection: bool = False) -> None:
        has_selection = self.has_selection()
        options = ExportOptionsDialog(DEFAULT_COLUMNS, has_selection, fmt == "csv", self.parent)
        options.selection_check.setChecked(selection and has_selection)
        if not options.exec():
            return
        columns = options.chosen_columns()
        if fmt == "csv" and not columns:
            self.status.tell("Choose at least one column to export")
            return
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
                selection=options.selection_check.isChecked(),
                bom=options.bom_check.isChecked(),
                columns=columns,
            )

    def default_path(self, suffix: str) -> str:
        """Where the save dialog starts: the folder of the last export (else Documents, else home),
        and a name with the date and time, so exports do not overwrite one another by default."""
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
        columns: tuple[str, ...] = DEFAULT_COLUMNS,
        on_done: Callable[[Any], None] | None = None,
    ) -> ExportJob:
        self.settings.setValue("export_dir", str(path.parent))  # the next export starts there
        rows = self.rows(selection)
        subscription, spec = self.provenance()
        events = self.events
        first = events.seq[rows[0] - events.base] if rows else None
        last = events.seq[rows[-1] - events.base] if rows else None
        comments = [
            f"Event Monitor export {format_time(datetime.now(UTC))}",
            f"subscription {subscription}",
            f"offsets {first}..{last}, {len(rows)} events",
            f"filter text={spec.text!r} types={sorted(spec.types)} tenant={spec.tenant!r} cel={spec.cel!r}",
        ]
        job = ExportJob(
            path,
            events.json_arrays(rows),  # a snapshot; reading and decoding happen off the UI thread
            len(rows),
            self.parent,
            fmt=fmt,
            columns=columns,
            bom=bom,
            comments=comments if fmt == "csv" else (),
        )
        self.jobs.append(job)

        def finished(result: Any) -> None:
            self.jobs.remove(job)
            if isinstance(result, Cancelled):
                self.status.tell("Export cancelled; no file written")
            elif isinstance(result, Exception):
                self.status.error("Export failed", f"{result}\nNo file was written.")
            else:
                self.status.tell(f"Exported {result:,} events to {path}")
            if on_done is not None:
                on_done(result)

        job.finished.connect(finished)
        job.start(self.run_async)
        return job

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
