"""A tab's view (``gui.eventlog.view.ViewSpec``: filters, time range, zone, columns) read from
the filter bar, the table's header and the zone combo, and shown there: the one place where a
view becomes widgets and widgets become a view, for saved views, the window's state between runs
and an export's provenance."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from gui.eventlog.columns import TABLE_KEYS
from gui.eventlog.view import ViewSpec
from gui.ui.event_table import EventTable
from gui.ui.filter_bar import FilterBar


class ViewEditor:
    def __init__(self, filter_bar: FilterBar, table: EventTable, zone_combo: QComboBox) -> None:
        self.filter_bar, self.table, self.zone_combo = filter_bar, table, zone_combo

    def current(self) -> ViewSpec:
        """What the tab shows now."""
        bar = self.filter_bar
        preset = bar.time_range.preset
        since = until = None
        if preset == "custom":
            low, high = bar.time_range.bounds()
            since = low.timestamp() if low else None
            until = high.timestamp() if high else None
        model, header = self.table.model, self.table.view.horizontalHeader()
        order = tuple(model.column_key(header.logicalIndex(v)) for v in range(header.count()))
        return ViewSpec(
            text=bar.filter_edit.text().strip(),
            types=tuple(sorted(a.data() for a in bar.type_menu.actions() if a.isChecked())),
            tenant=bar.tenant_edit.text().strip(),
            time_preset=preset,
            since=since,
            until=until,
            cel=bar.cel_filter_edit.text().strip(),
            zone=str(self.zone_combo.currentData() or ""),
            hidden=tuple(model.column_key(i) for i in range(model.columnCount()) if header.isSectionHidden(i)),
            order=order if order != TABLE_KEYS + tuple(model.payload_columns) else (),
            payload=tuple(model.payload_columns),
        )

    def show(self, spec: ViewSpec, *, columns: bool = True) -> None:
        """Every filter of ``spec``; its zone when it has one; its columns when ``columns``."""
        bar = self.filter_bar
        bar.filter_edit.setText(spec.text)
        bar.tenant_edit.setText(spec.tenant)
        bar.cel_filter_edit.setText(spec.cel)
        bar.add_types(list(spec.types))  # types not seen yet are offered (and chosen) too
        for action in bar.type_menu.actions():
            action.setChecked(action.data() in spec.types)
        time_range = bar.time_range
        if spec.time_preset == "custom" and spec.since is not None and spec.until is not None:
            time_range.set_custom(spec.since, spec.until)
        else:
            time_range.set_preset(spec.time_preset)
        if spec.zone:
            index = self.zone_combo.findData(spec.zone)
            if index >= 0:
                self.zone_combo.setCurrentIndex(index)
        if columns:
            self.show_columns(spec)

    def show_columns(self, spec: ViewSpec) -> None:
        model, header = self.table.model, self.table.view.horizontalHeader()
        model.set_payload_columns(spec.payload)
        keys = [model.column_key(i) for i in range(model.columnCount())]
        for section, key in enumerate(keys):
            header.setSectionHidden(section, key in spec.hidden)
        for visual, key in enumerate(k for k in spec.order if k in keys):
            header.moveSection(header.visualIndex(keys.index(key)), visual)
        self.table.columns_changed.emit()
