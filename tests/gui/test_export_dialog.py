"""Export is one dialog per command: where to (filled in), and the format's options, remembered;
answered here as a user would, without a nested event loop (the dialog is opened, not run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFileDialog

from tests.gui.test_window import start


def export_dialog(qtbot: Any, window: Any, action: Any = None) -> Any:
    """Export CSV… (Ctrl+E; test_window_parts presses the keys), or the action given: the dialog it opens."""
    (action or window.actions.export_csv).trigger()
    qtbot.waitUntil(lambda: getattr(window.exporter, "open_dialog", None) is not None, timeout=5000)
    dialog = window.exporter.open_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    window.exporter.open_dialog = None
    return dialog


def press_export(qtbot: Any, dialog: Any) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_ctrl_e_is_one_dialog_with_where_to_and_the_options_remembered(qtbot: Any, held: Any, tmp_path: Path) -> None:
    window = held
    window.settings.setValue("export_dir", str(tmp_path))
    dialog = export_dialog(qtbot, window)
    suggested = Path(dialog.path_edit.text())
    assert suggested.parent == tmp_path and suggested.name.startswith("events-") and suggested.suffix == ".csv"
    assert "300 events" in dialog.summary_label.text()
    assert not dialog.selection_check.isVisible()  # nothing selected: no option that cannot be taken
    dialog.bom_check.setChecked(True)
    target = tmp_path / "first.csv"
    dialog.path_edit.setText(str(target))
    press_export(qtbot, dialog)
    qtbot.waitUntil(lambda: target.exists() and not window.exporter.jobs, timeout=20000)
    assert not window.findChildren(QFileDialog)  # no save dialog after it
    assert target.read_bytes().startswith(b"\xef\xbb\xbfSequence,")
    # the next one offers the same options; a file there already is replaced only when confirmed
    again = export_dialog(qtbot, window)
    assert again.bom_check.isChecked()
    again.path_edit.setText(str(target))
    target.write_text("keep me", encoding="utf-8")
    press_export(qtbot, again)
    assert again.isVisible() and "already exists" in again.error_label.text()
    assert again.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Replace"
    press_export(qtbot, again)
    qtbot.waitUntil(lambda: not window.exporter.jobs, timeout=20000)
    assert target.read_bytes().startswith(b"\xef\xbb\xbfSequence,")


def test_json_lines_has_no_dead_option_and_browse_picks_another_place(qtbot: Any, held: Any, tmp_path: Path) -> None:
    window = held
    dialog = export_dialog(qtbot, window, window.actions.export_jsonl)
    assert dialog.windowTitle() == "Export JSON Lines"
    assert [c.objectName() for c in dialog.findChildren(QCheckBox) if c.isVisible()] == []
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)  # the platform's save dialog
    picker = dialog.file_dialog
    qtbot.waitUntil(picker.isVisible, timeout=5000)
    target = tmp_path / "picked.jsonl"
    picker.selectFile(str(target))
    picker.accept()
    assert Path(dialog.path_edit.text()) == target
    press_export(qtbot, dialog)
    qtbot.waitUntil(lambda: target.exists() and not window.exporter.jobs, timeout=20000)
    assert len(target.read_bytes().splitlines()) == 300


def test_a_selection_and_more_rows_than_a_sheet_are_answered_in_the_same_dialog(
    qtbot: Any, open_window: Any, lab: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    import gui.ui.export_job as export_job

    monkeypatch.setattr(export_job, "SHEET_ROWS", 101)  # a sheet of 100 rows and its header
    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
    window.stop()
    window.table.selectRow(3)
    dialog = export_dialog(qtbot, window)
    assert dialog.selection_check.isVisible() and not dialog.selection_check.isChecked()
    assert dialog.rows_box.isVisible()  # 300 rows: more than the sheet opens
    dialog.selection_check.setChecked(True)
    assert not dialog.rows_box.isVisible() and "1 event:" in dialog.summary_label.text()
    dialog.selection_check.setChecked(False)
    dialog.rows_combo.setCurrentIndex(dialog.rows_combo.findData("split"))
    target = tmp_path / "big.csv"
    dialog.path_edit.setText(str(target))
    press_export(qtbot, dialog)
    parts = [tmp_path / f"big-{n}.csv" for n in (1, 2, 3)]
    qtbot.waitUntil(lambda: all(p.exists() for p in parts) and not window.exporter.jobs, timeout=20000)
    assert [len(p.read_text(encoding="utf-8").splitlines()) for p in parts] == [101, 101, 101]
