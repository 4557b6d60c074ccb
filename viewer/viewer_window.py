"""A simple CT viewer window: axial + coronal + sagittal views, series list, status bar.

Entry point: :func:`run_viewer` (``mrecist view PATH``). Folders are scanned and loaded with
:func:`viewer.dicom.find_series` / :func:`viewer.dicom.load_series` in a ``QThread``; the
middle slice is shown as soon as the loader reports it (``on_first_slice``), then the whole
volume replaces it.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QWidget,
)

from viewer import windowing
from viewer.dicom.volume import Volume
from viewer.geometry import CaliperMeasurement, Plane
from viewer.image_view import ImageView, InteractionMode

if TYPE_CHECKING:
    from viewer.dicom.discovery import SeriesInfo

WINDOW_TITLE = "mRECIST Workstation - viewer"


@dataclass(frozen=True)
class _SeriesEntry:
    """A series in the list: the loader's ``SeriesInfo`` and a plain-text label."""

    info: SeriesInfo
    uid: str
    label: str


class _LoadWorker(QObject):
    """Runs in a QThread: optionally scans a folder, then loads one series."""

    sig_series_found = Signal(object)
    """Emitted after a scan: ``list[SeriesInfo]``."""
    sig_progress_reported = Signal(int, int)
    """Emitted while loading: ``(done, total)`` steps."""
    sig_first_slice_read = Signal(object, int, object)
    """Emitted once early: ``(series_uid, k, slice[row, col])``."""
    sig_volume_loaded = Signal(object, object)
    """Emitted at the end: ``(series_uid, Volume)``."""
    sig_failed = Signal(str)
    """Emitted on any error: a plain-text message."""
    sig_done = Signal()
    """Emitted last, whatever happened."""

    def __init__(
        self, path: str | None, series: SeriesInfo | None, cancel: threading.Event
    ) -> None:
        super().__init__()
        self._path = path
        self._series = series
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        """Scan (if a path was given) and load the first or the given series."""
        try:
            from viewer import dicom

            series = self._series
            if series is None:
                found = dicom.find_series(str(self._path), cancel=self._cancel)
                self.sig_series_found.emit(found)
                if not found:
                    self.sig_failed.emit(f"No DICOM image series found in {self._path}")
                    return
                series = _largest(found)
            uid = series.series_instance_uid
            volume = dicom.load_series(
                series,
                progress=self._on_loader_progress,
                cancel=self._cancel,
                on_first_slice=lambda k, img: self.sig_first_slice_read.emit(uid, k, img),
            )
            self.sig_volume_loaded.emit(uid, volume)
        except Exception as exc:  # noqa: BLE001 - reported to the user as text
            self.sig_failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.sig_done.emit()

    def _on_loader_progress(self, done: int, total: int) -> None:
        self.sig_progress_reported.emit(done, total)


def _largest(series: list[SeriesInfo]) -> SeriesInfo:
    """The series with the most files (a reader usually wants the main CT series first)."""
    return max(series, key=lambda s: s.number_of_files)


def _series_label(info: SeriesInfo) -> str:
    """Plain-text list label, e.g. ``"4: PV 2.5mm [CT, 80 files]"``."""
    desc = info.series_description or "(no description)"
    prefix = f"{info.series_number}: " if info.series_number is not None else ""
    return f"{prefix}{desc} [{info.modality}, {info.number_of_files} files]"


class ViewerWindow(QMainWindow):
    """Main window with three linked-window ImageViews and a series list."""

    sig_measurement_finished = Signal(object)
    """Emitted when the user finishes a caliper edit in any view: a CaliperMeasurement."""

    sig_caliper_removed = Signal(object)
    """Emitted when the user removed a caliper in any view: its last CaliperMeasurement."""

    sig_volume_shown = Signal(object)
    """Emitted when a complete volume is displayed: the Volume."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.axial_view = ImageView()
        self.coronal_view = ImageView()
        self.sagittal_view = ImageView()
        self._views = (self.axial_view, self.coronal_view, self.sagittal_view)
        self._series_list = QListWidget()
        self._series_list.setVisible(False)
        self._series_entries: list[_SeriesEntry] = []
        self._volumes: dict[str, Volume] = {}
        self._current_uid = ""
        self._thread: QThread | None = None
        self._worker: _LoadWorker | None = None
        self._cancel = threading.Event()
        self._syncing_window = False

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.coronal_view)
        right.addWidget(self.sagittal_view)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self._series_list)
        main.addWidget(self.axial_view)
        main.addWidget(right)
        main.setStretchFactor(1, 3)
        main.setStretchFactor(2, 2)
        self.setCentralWidget(main)
        self._progress = QProgressBar()
        self._progress.setMaximumWidth(200)
        self._progress.setVisible(False)
        self.statusBar().addPermanentWidget(self._progress)
        self._build_actions()

        for view in self._views:
            view.sig_window_changed.connect(self._on_view_window_changed)
            view.sig_measurement_finished.connect(self._on_view_measurement_finished)
            view.sig_measurement_changed.connect(self._on_view_measurement_changed)
            view.sig_slice_changed.connect(self._on_view_slice_changed)
            view.sig_caliper_removed.connect(self._on_view_caliper_removed)
            view.sig_location_clicked.connect(self._on_view_location_clicked)
        self._series_list.currentRowChanged.connect(self._on_series_list_row_changed)

    # ---- Public API -------------------------------------------------------------------------

    def set_volume(self, volume: Volume) -> None:
        """Show ``volume`` in all three views (middle slices)."""
        self.axial_view.set_volume(volume, Plane.AXIAL)
        self.coronal_view.set_volume(volume, Plane.CORONAL)
        self.sagittal_view.set_volume(volume, Plane.SAGITTAL)
        window = self.axial_view.window
        for view in self._views[1:]:
            view.set_window(window.width, window.level, window.name)
        for view in self._views:
            for other in self._views:
                if other is not view:
                    other.show_reference_line(view.plane, view.slice_index)
        desc = volume.series_description or "(no description)"
        self.setWindowTitle(f"{desc} - {WINDOW_TITLE}")
        for text in volume.warnings:
            self.statusBar().showMessage(text, 10_000)
        self.sig_volume_shown.emit(volume)

    def open_path(self, path: str) -> None:
        """Scan ``path`` for series in a background thread and show the largest one."""
        self._volumes.clear()
        self._start_worker(path, None)

    def set_mode(self, mode: InteractionMode) -> None:
        """Set the left-drag mode of every view."""
        for view in self._views:
            view.set_mode(mode)
        for action in self._mode_group.actions():
            action.setChecked(action.data() == mode.value)

    def views(self) -> tuple[ImageView, ImageView, ImageView]:
        """The axial, coronal and sagittal views."""
        return self._views

    def wait_until_idle(self, timeout_ms: int = 30_000) -> bool:
        """Block (processing events) until no load is running; for scripts and tests."""
        app = QApplication.instance()
        end = time.monotonic() + timeout_ms / 1000
        while self._thread is not None and time.monotonic() < end and app is not None:
            app.processEvents()
            time.sleep(0.005)
        return self._thread is None

    # ---- Qt overrides -----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._stop_worker()
        super().closeEvent(event)

    # ---- Internals --------------------------------------------------------------------------

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open folder...", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._on_open_action_triggered)
        file_menu.addAction(open_action)
        toolbar = self.addToolBar("Tools")
        toolbar.setObjectName("tools")
        self._mode_group = QActionGroup(self)
        for mode, text, key in [
            (InteractionMode.WINDOW_LEVEL, "Window/level", "W"),
            (InteractionMode.MEASURE, "Measure", "M"),
            (InteractionMode.MEASURE_BIDIRECTIONAL, "Bidirectional", "B"),
            (InteractionMode.PAN, "Pan", "P"),
        ]:
            action = QAction(text, self, checkable=True)
            action.setData(mode.value)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{text} ({key})")
            action.triggered.connect(self._on_mode_action_triggered)
            self._mode_group.addAction(action)
            toolbar.addAction(action)
        self._mode_group.actions()[0].setChecked(True)
        toolbar.addSeparator()
        for number, p in enumerate(windowing.PRESETS, start=1):
            action = QAction(f"{p.name} {number}", self)
            action.setToolTip(f"{p.name}: {p.describe()} (key {number})")
            action.setData(number)
            action.triggered.connect(self._on_preset_action_triggered)
            toolbar.addAction(action)

    def _start_worker(self, path: str | None, series: SeriesInfo | None) -> None:
        self._stop_worker()
        self._cancel = threading.Event()
        thread = QThread(self)
        worker = _LoadWorker(path, series, self._cancel)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(thread.deleteLater)
        worker.sig_series_found.connect(self._on_worker_series_found)
        worker.sig_progress_reported.connect(self._on_worker_progress)
        worker.sig_first_slice_read.connect(self._on_worker_first_slice)
        worker.sig_volume_loaded.connect(self._on_worker_volume_loaded)
        worker.sig_failed.connect(self._on_worker_failed)
        worker.sig_done.connect(self._on_worker_done)
        self._thread, self._worker = thread, worker
        self._progress.setValue(0)
        self._progress.setVisible(True)
        self.statusBar().showMessage(f"Reading {path}..." if path else "Loading series...")
        thread.start()

    def _stop_worker(self) -> None:
        if self._thread is None:
            return
        self._cancel.set()
        self._thread.quit()
        self._thread.wait(5000)
        self._thread = None
        self._worker = None

    def _on_worker_done(self) -> None:
        if self.sender() is not self._worker:
            return  # a cancelled, superseded load
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(5000)
        self._thread = None
        self._worker = None
        self._progress.setVisible(False)

    def _on_worker_series_found(self, found: list[SeriesInfo]) -> None:
        if self.sender() is not self._worker:
            return  # a cancelled, superseded load
        self._series_entries = [
            _SeriesEntry(s, s.series_instance_uid, _series_label(s)) for s in found
        ]
        largest = _largest(found) if found else None
        self._series_list.blockSignals(True)
        self._series_list.clear()
        for i, entry in enumerate(self._series_entries):
            self._series_list.addItem(QListWidgetItem(entry.label))
            if entry.info is largest:
                self._series_list.setCurrentRow(i)
        self._series_list.blockSignals(False)
        self._series_list.setVisible(len(found) > 1)
        if largest is not None:
            self._current_uid = largest.series_instance_uid

    def _on_worker_progress(self, done: int, total: int) -> None:
        if self.sender() is not self._worker:
            return  # a cancelled, superseded load
        self._progress.setMaximum(max(total, 1))
        self._progress.setValue(done)

    def _on_worker_first_slice(self, uid: str, k: int, image: np.ndarray) -> None:
        if self.sender() is not self._worker:
            return  # a cancelled, superseded load
        preview = Volume(
            voxels=np.ascontiguousarray(image)[np.newaxis],
            spacing_mm=(1.0, 1.0, 1.0),
            origin_mm=(0.0, 0.0, 0.0),
            col_dir=(1.0, 0.0, 0.0),
            row_dir=(0.0, 1.0, 0.0),
            slice_dir=(0.0, 0.0, 1.0),
            sop_instance_uids=("",),
        )
        label = next((e.label for e in self._series_entries if e.uid == uid), "")
        self.axial_view.set_volume(
            preview, Plane.AXIAL, title=f"{label}\nloading (slice {k + 1})", measurable=False
        )

    def _on_worker_volume_loaded(self, uid: str, volume: Volume) -> None:
        if self.sender() is not self._worker:
            return  # a cancelled, superseded load
        self._volumes[uid] = volume
        self._current_uid = uid
        self.set_volume(volume)
        self.statusBar().showMessage(
            f"Loaded {volume.shape[0]} slices of {volume.shape[1]} x {volume.shape[2]}", 5000
        )

    def _on_worker_failed(self, message: str) -> None:
        if self.sender() is not self._worker:
            return  # a cancelled, superseded load
        self.statusBar().showMessage(message)

    def _on_series_list_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._series_entries):
            return
        entry = self._series_entries[row]
        if entry.uid in self._volumes:
            self._current_uid = entry.uid
            self.set_volume(self._volumes[entry.uid])
        else:
            self._start_worker(None, entry.info)

    def _on_open_action_triggered(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open DICOM folder")
        if path:
            self.open_path(path)

    def _on_mode_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.set_mode(InteractionMode(action.data()))

    def _on_preset_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.axial_view.apply_preset(int(action.data()))

    def _on_view_window_changed(self, width: float, level: float) -> None:
        if self._syncing_window:
            return
        self._syncing_window = True
        try:
            source = self.sender()
            name = source.window.name if isinstance(source, ImageView) else ""
            for view in self._views:
                view.set_window(width, level, name)
        finally:
            self._syncing_window = False

    def _on_view_slice_changed(self, index: int) -> None:
        source = self.sender()
        if not isinstance(source, ImageView) or source.volume is None:
            return
        for view in self._views:
            if view is not source and view.volume is source.volume:
                view.show_reference_line(source.plane, index)

    def _on_view_location_clicked(self, k: float, r: float, c: float) -> None:
        """Point the other views at the clicked voxel."""
        source = self.sender()
        index = {Plane.AXIAL: k, Plane.CORONAL: r, Plane.SAGITTAL: c}
        for view in self._views:
            if view is not source and view.volume is not None:
                view.set_slice(round(index[view.plane]))

    def _on_view_caliper_removed(self, m: CaliperMeasurement) -> None:
        self.statusBar().showMessage(f"Removed {m.describe()}")
        self.sig_caliper_removed.emit(m)

    def _on_view_measurement_changed(self, m: CaliperMeasurement) -> None:
        self.statusBar().showMessage(m.describe())

    def _on_view_measurement_finished(self, m: CaliperMeasurement) -> None:
        self.statusBar().showMessage(f"Measured {m.describe()}")
        self.sig_measurement_finished.emit(m)


def run_viewer(path: str | None) -> int:
    """Open the viewer window (loading ``path`` if given) and run the Qt event loop.

    Returns the application's exit code.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = ViewerWindow()
    window.resize(1400, 900)
    window.show()
    if path:
        window.open_path(path)
    return int(app.exec())
