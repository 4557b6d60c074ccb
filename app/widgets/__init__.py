"""Qt widgets of the reading workstation: lesion grid, response panel, lesion editor.

Each widget shows document or engine state and asks for changes with signals; none of them
changes the document itself (the main window pushes their edits on the undo stack).
"""

from app.widgets.lesion_editor import LesionEditor
from app.widgets.lesion_grid import LesionGridWidget
from app.widgets.response_panel import ResponsePanel

__all__ = ["LesionEditor", "LesionGridWidget", "ResponsePanel"]
