"""The "Add payload column" dialog (the table header's context menu): a path such as data.kind,
typed after the "data." it starts with; a path that is none is said in the dialog, which stays
open to correct it. Opened with ``open()``, no nested event loop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from gui.ui.actions import named

PREFIX = "data."


class PayloadColumnDialog(QDialog):
    """``add(path)`` adds the column and returns "" or why it could not: the dialog closes on ""."""

    def __init__(self, parent: QWidget, add: Callable[[str], str]) -> None:
        super().__init__(parent)
        self.setObjectName("payloadColumnDialog")
        self.setWindowTitle("Add payload column")
        self._add = add
        self.path_edit = named(QLineEdit(PREFIX), "payloadPathEdit", "Path in the payload")
        self.path_edit.setPlaceholderText("data.kind")
        self.error_label = named(QLabel(""), "payloadPathError", "Problem")
        self.error_label.setStyleSheet("color: #d9534f")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        label = QLabel("Path in the payload (e.g. data.kind, data.contact.email):")
        label.setBuddy(self.path_edit)
        layout.addWidget(label)
        layout.addWidget(self.path_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.path_edit.textEdited.connect(lambda _text: self.show_error(""))
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x" * 60))

    def open(self) -> None:
        super().open()
        self.path_edit.setFocus()
        self.path_edit.deselect()  # typing goes after "data.", it does not replace it
        self.path_edit.end(False)

    def textValue(self) -> str:  # noqa: N802 (as QInputDialog names it)
        return self.path_edit.text()

    def setTextValue(self, text: str) -> None:  # noqa: N802
        self.path_edit.setText(text)

    def show_error(self, text: str) -> None:
        self.error_label.setText(f"⚠ {text}" if text else "")
        self.error_label.setVisible(bool(text))
        self.adjustSize()  # room for the message's lines (or none)

    def accept(self) -> None:
        """OK: the column is added and the dialog closes, or it stays open and says why not."""
        error = self._add(self.path_edit.text())
        if error:
            self.show_error(error)
            self.path_edit.setFocus()
            return
        super().accept()
