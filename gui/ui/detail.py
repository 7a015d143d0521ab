"""The detail pane: pretty JSON with highlighting, raw JSON, and the subject's history with diffs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QColor, QGuiApplication, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget

from gui.api.events import BIG_JSON, dumps_pretty, dumps_text
from gui.api.models import short_type
from gui.ui.actions import built


class JsonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, dark: bool) -> None:
        super().__init__(document)
        palette = {
            "key": "#9cdcfe" if dark else "#0451a5",
            "string": "#ce9178" if dark else "#a31515",
            "number": "#b5cea8" if dark else "#098658",
            "literal": "#569cd6" if dark else "#0000ff",
        }
        self._rules = []
        for pattern, kind in (
            (r'"(?:[^"\\]|\\.)*"(?=\s*:)', "key"),
            (r':\s*"(?:[^"\\]|\\.)*"', "string"),
            (r"\b-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b", "number"),
            (r"\b(?:true|false|null)\b", "literal"),
        ):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(palette[kind]))
            self._rules.append((QRegularExpression(pattern), fmt))

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        for expression, fmt in self._rules:
            matches = expression.globalMatch(text)
            while matches.hasNext():
                match = matches.next()
                self.setFormat(match.capturedStart(), match.capturedLength(), fmt)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def diff(before: Any, after: Any) -> list[str]:
    """Lines describing what changed between two payloads (dotted paths)."""
    old, new = flatten(before), flatten(after)
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            lines.append(f"  + {key}: {_short(new[key])}")
        elif key not in new:
            lines.append(f"  - {key}: {_short(old[key])}")
        elif old[key] != new[key]:
            lines.append(f"  ~ {key}: {_short(old[key])} → {_short(new[key])}")
    return lines


def _short(value: Any) -> str:
    text = dumps_text(value)
    return text if len(text) <= 120 else text[:117] + "…"


def subject_history(events: list[dict[str, Any]], time_text: Callable[[str], str] = str) -> str:
    """A readable history of one subject: each event and what changed since the previous state.
    ``time_text``: an event's time as the table shows it.

    A payload of another shape (e.g. a barrier update among full tenant states) is listed as it is
    and does not replace the last full state, so the next diff compares like with like."""
    if not events:
        return ""
    lines = [f"{len(events)} events for subject {events[0].get('subject', '')} in the table:", ""]
    state: Any = None
    for event in events:
        when = time_text(str(event.get("time", "")))
        lines.append(f"#{event.get('sequence')}  {when}  {short_type(str(event.get('type', '')))}")
        data = event.get("data")
        if state is None:
            lines.append("  (first state seen)")
            state = data
        else:
            old_keys, new_keys = set(flatten(state)), set(flatten(data))
            if len(old_keys & new_keys) * 2 >= len(old_keys):
                lines.extend(diff(state, data) or ["  (no change in data)"])
                state = data
            else:
                lines.extend(f"  = {key}: {_short(value)}" for key, value in sorted(flatten(data).items()))
        lines.append("")
    return "\n".join(lines)


SHOWN_CHARS = 256 * 1024  # of a big event's text, shown (and highlighted) at first
SHOW_ALL_CHARS = 2 * 1024 * 1024  # Show all: a text widget lays out a longer line for seconds


def event_texts(event: dict[str, Any], raw: bytes, limit: int = SHOWN_CHARS) -> tuple[str, str, bool]:
    """Pretty and raw text of an event, each cut to ``limit`` characters; whether more can be
    shown (Show all). Made on a worker thread for big events."""
    if len(raw) > BIG_JSON:  # indented from the text itself: orjson's peak would be ~13x the event
        pretty = msgspec.json.format(raw, indent=2).decode("utf-8", "replace")
    else:
        pretty = dumps_pretty(event)
    text = raw.decode("utf-8", "replace")
    if len(pretty) <= limit and len(text) <= limit:
        return pretty, text, False
    if limit < SHOW_ALL_CHARS:
        note = "\n… cut here: Show all for more"
    else:
        note = f"\n… cut at {limit // (1024 * 1024)} MB of {len(raw):,} bytes: Export JSON Lines writes the whole event"
    return pretty[:limit] + note, text[:limit] + note, limit < SHOW_ALL_CHARS


class DetailPane(QTabWidget):
    def __init__(self, dark: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.pretty = self._text("prettyJsonView")
        self.raw = self._text("rawJsonView")
        self.history = self._text("subjectHistoryView")
        self.dark = dark  # the JSON highlighting's colours are for a dark background
        self._highlighter = JsonHighlighter(self.pretty.document(), dark)
        self.show_all_button = built(QPushButton("Show all"), "showAllButton")
        self.show_all_button.setToolTip("Show more of this big event (up to 2 MB; a long text takes a moment)")
        self.show_all_button.hide()
        for edit in (self.pretty, self.raw, self.history):
            edit.setPlaceholderText("Select an event in the table to see it here")
        self.addTab(self._with_copy(self.pretty, "Copy JSON", self.show_all_button), "Event")
        self.addTab(self._with_copy(self.raw, "Copy raw"), "Raw")
        self.addTab(self._with_copy(self.history, "Copy history"), "Subject history")
        self.time_text: Callable[[str], str] = str  # an event's time as the table shows it

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        """Highlighting colours readable on the new background."""
        self._highlighter.setDocument(None)
        self._highlighter = JsonHighlighter(self.pretty.document(), dark)

    def _text(self, name: str) -> QPlainTextEdit:
        edit = built(QPlainTextEdit(), name, readOnly=True)
        edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = edit.font()
        font.setFamily("monospace")
        edit.setFont(font)
        return edit

    def _with_copy(self, edit: QPlainTextEdit, label: str, extra: QWidget | None = None) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        if extra is not None:
            row.addWidget(extra)
        row.addStretch(1)
        button = QPushButton(label)
        button.clicked.connect(lambda: QGuiApplication.clipboard().setText(edit.toPlainText()))
        row.addWidget(button)
        layout.addLayout(row)
        layout.addWidget(edit)
        return box

    def show_event(self, event: dict[str, Any] | None, raw: bytes, same_subject: list[dict[str, Any]]) -> None:
        if event is None:
            for edit in (self.pretty, self.raw, self.history):
                edit.clear()
            self.show_all_button.hide()
            return
        self.show_texts(*event_texts(event, raw))
        self.show_history(same_subject)

    def show_texts(self, pretty: str, raw: str, cut: bool = False) -> None:
        """The event's texts; ``cut``: only their first SHOWN_CHARS are shown, Show all offers the rest."""
        self.pretty.setPlainText(pretty)
        self.raw.setPlainText(raw)
        self.show_all_button.setVisible(cut)

    def show_loading(self, size: int) -> None:
        for edit in (self.pretty, self.raw):
            edit.setPlainText(f"Reading an event of {size:,} bytes…")
        self.show_all_button.hide()

    def show_history(self, same_subject: list[dict[str, Any]]) -> None:
        self.history.setPlainText(subject_history(same_subject, self.time_text))
