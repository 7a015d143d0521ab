"""What the window remembers between runs (``window.ini`` beside the state store): geometry,
splitter, columns, the last connection, subscription, position, filters, commit mode, time zone,
time range and appearance. Never a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gui.storage.store import private

PRESETS_KEPT = ("any", "5m", "15m", "1h", "24h", "today")  # a custom range is not meant for the next run


def save(window: Any) -> None:
    s = window.settings
    s.setValue("geometry", window.saveGeometry())
    s.setValue("splitter", window.splitter.saveState())
    s.setValue("payload_columns", "\n".join(window.model.payload_columns))
    s.setValue("header", window.table.horizontalHeader().saveState())
    s.setValue("connection", window.connection_combo.currentData())
    s.setValue("subscription", window.subscription_combo.currentData())
    s.setValue("position", window.offset_mode_combo.currentData())
    s.setValue("filter", window.filter_edit.text())
    s.setValue("cel", window.cel_filter_edit.text())
    s.setValue("commit_mode", window.commit_mode_combo.currentData())
    s.setValue("time_zone", window.time_zone_combo.currentData())
    s.setValue("time_range", window.time_range.preset)
    s.setValue("timeline", window.actions.show_timeline.isChecked())
    s.sync()
    private(Path(s.fileName()))  # this user's only, like the state store


def restore(window: Any) -> None:
    s = window.settings
    if s.value("geometry"):
        window.restoreGeometry(s.value("geometry"))
    if s.value("splitter"):
        window.splitter.restoreState(s.value("splitter"))
    columns = [c for c in str(s.value("payload_columns") or "").split("\n") if c]
    window.model.set_payload_columns(columns)  # before the header: its state counts their sections
    if s.value("header"):
        window.table.horizontalHeader().restoreState(s.value("header"))
    for combo, key in (
        (window.connection_combo, "connection"),
        (window.subscription_combo, "subscription"),
        (window.offset_mode_combo, "position"),
        (window.commit_mode_combo, "commit_mode"),
        (window.time_zone_combo, "time_zone"),
    ):
        value = s.value(key)
        index = combo.findData(value) if value else -1
        if index >= 0:
            combo.setCurrentIndex(index)
    window.filter_edit.setText(str(s.value("filter") or ""))
    window.cel_filter_edit.setText(str(s.value("cel") or ""))
    if s.value("time_range") in PRESETS_KEPT:
        window.time_range.set_preset(str(s.value("time_range")))
    window.set_appearance(str(s.value("appearance") or "system"))
    window.actions.show_timeline.setChecked(str(s.value("timeline", "true")).lower() != "false")
