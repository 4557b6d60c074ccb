"""The Qt undo stack over the Qt-free document edits (architecture: Orange3's pattern).

``EditStack.push_edit(edit)`` applies the edit first (through ``StudyDocument.apply``, which
commits it to the database before the document changes) and only then puts a command on the
stack, so an edit that fails to save never appears in the history. Undo applies the inverse
edit, redo the edit again; both are saved the same way.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.document import StudyDocument
from app.edits import Edit


class DocumentCommand(QUndoCommand):
    """One edit on the stack; its first redo is the apply already done by ``push_edit``."""

    def __init__(self, document: StudyDocument, edit: Edit, inverse: Edit) -> None:
        super().__init__(edit.label)
        self._document = document
        self._edit = edit
        self._inverse = inverse
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            return
        self._inverse = self._document.apply(self._edit)
        self._applied = True

    def undo(self) -> None:
        self._document.apply(self._inverse)
        self._applied = False


class EditStack(QUndoStack):
    """A QUndoStack for one open read."""

    def __init__(self, document: StudyDocument) -> None:
        super().__init__()
        self._document = document

    @property
    def document(self) -> StudyDocument:
        return self._document

    def push_edit(self, edit: Edit) -> None:
        """Apply ``edit`` (saved before it shows) and record it; raises if it cannot be saved."""
        inverse = self._document.apply(edit)
        self.push(DocumentCommand(self._document, edit, inverse))
