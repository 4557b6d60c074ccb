"""Shared test set-up. Must stay importable with nothing but pytest installed."""

import os

# Before any QApplication exists (pytest-qt creates it lazily): render offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
