"""The event-type filter's menu: checking a type keeps the menu open, so several are chosen in
one go (a click or Space toggles the type under the pointer or the keyboard; Esc, Enter or a
click outside closes it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QMenu


class TypeMenu(QMenu):
    def _toggle_active(self) -> bool:
        action = self.activeAction()
        if action is None or not action.isEnabled() or not action.isCheckable():
            return False
        action.trigger()  # toggles it (and tells its listeners) without closing the menu
        return True

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._toggle_active():
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and self._toggle_active():
            return
        super().keyPressEvent(event)
