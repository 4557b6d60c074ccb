"""The workstation window: one read, the prior beside the current time point, measured live.

Layout: a worklist of reads and time points (left), the prior (baseline or nadir) and the
current time point side by side with linked scrolling (centre), the lesion x time point grid,
the lesion editor and the response panel (right). Every change goes through
:class:`app.undo.EditStack` (saved before it shows); the response is recomputed from the
document after every change and never stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.document import Caliper, EditError, StudyDocument
from app.edits import SetCriteria
from app.measuring import MeasureTarget, measurement_values, resolve_target
from app.response import ResponseSummary, assess_study
from app.storage import StorageError, StudyRepository
from app.undo import EditStack
from app.widgets import LesionEditor, LesionGridWidget, ResponsePanel
from recist.model import Criteria, Role
from viewer.dicom import DicomLoadError, find_series, load_series
from viewer.dicom.discovery import SeriesInfo
from viewer.dicom.volume import Volume
from viewer.geometry import CaliperMeasurement
from viewer.image_view import ImageView, InteractionMode
from viewer.items import CaliperItem
from viewer.registration import RigidTransform, corresponding_slice, register_rigid

PHASES = ("arterial", "portal_venous", "non_contrast")
LIVER_WINDOW_PRESET = 2  # viewer.windowing.PRESETS: Liver W150/L90
PHASE_LABELS = {"arterial": "Arterial", "portal_venous": "Portal venous",
                "non_contrast": "Non-contrast"}


@dataclass(frozen=True)
class _Owner:
    """A caliper drawn from a stored line: whose line it is."""

    lesion_id: str
    field: str  # "long_axis", "short_axis" or "viable"


class _Signals(QObject):
    """Carries results of background work back to the GUI thread."""

    sig_registration_finished = Signal(object, object)  # (key, RigidTransform or str error)


class MainWindow(QMainWindow):
    """The reading workstation for one database of reads and a folder of images."""

    def __init__(self, repository: StudyRepository, image_root: Path | None, *,
                 user_id: str) -> None:
        super().__init__()
        self._repository = repository
        self._user_id = user_id
        self._series: dict[str, SeriesInfo] = {}
        if image_root is not None:
            self._series = {s.series_instance_uid: s for s in find_series(image_root)}
        self._volumes: dict[str, Volume] = {}
        self._transforms: dict[tuple[str, str], RigidTransform] = {}
        self._document: StudyDocument | None = None
        self._stack: EditStack | None = None
        self._read_id: int | None = None
        self._current: date | None = None
        self._prior_is_nadir = False
        self._phase = "arterial"
        self._selected: str | None = None
        self._owners: dict[int, _Owner] = {}
        self._summary: ResponseSummary | None = None
        self._signals = _Signals()
        self._signals.sig_registration_finished.connect(self._on_registration_finished)
        self._cancel_registration = threading.Event()
        self._registration_thread: threading.Thread | None = None
        # Manual fallback: scrolling the prior on its own keeps that many slices of offset.
        self._offset_slices = 0
        self._linking = False
        self._build_ui()

    # ---- construction -----------------------------------------------------------------

    def _build_ui(self) -> None:
        self.setWindowTitle("mRECIST Workstation")
        self.resize(1600, 1000)
        self._prior_view = ImageView()
        self._current_view = ImageView()
        self._prior_title = QLabel()
        self._current_title = QLabel()
        for label in (self._prior_title, self._current_title):
            label.setTextFormat(Qt.TextFormat.PlainText)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for title, view in ((self._prior_title, self._prior_view),
                            (self._current_title, self._current_view)):
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(title)
            layout.addWidget(view, 1)
            splitter.addWidget(box)
        self.setCentralWidget(splitter)
        self._current_view.sig_slice_changed.connect(self._on_current_view_slice_changed)
        self._current_view.sig_measurement_finished.connect(self._on_current_view_measured)
        self._prior_view.sig_slice_changed.connect(self._on_prior_view_slice_changed)
        # Both time points are compared at the same window.
        self._current_view.sig_window_changed.connect(self._prior_view.set_window)
        self._prior_view.sig_window_changed.connect(self._current_view.set_window)

        self._worklist = QTreeWidget()
        self._worklist.setHeaderLabels(["Read / time point"])
        self._worklist.itemActivated.connect(self._on_worklist_item_activated)
        self._worklist.itemClicked.connect(self._on_worklist_item_activated)
        self._dock(self._worklist, "Worklist", Qt.DockWidgetArea.LeftDockWidgetArea)

        self._grid = LesionGridWidget()
        self._grid.sig_cell_activated.connect(self._on_grid_cell_activated)
        self._grid.sig_add_lesion_requested.connect(self._on_grid_add_lesion_requested)
        self._editor = LesionEditor()
        self._editor.sig_edit_requested.connect(self.push_edit)
        self._panel = ResponsePanel()
        right = QSplitter(Qt.Orientation.Vertical)
        for widget in (self._grid, self._editor, self._panel):
            right.addWidget(widget)
        right.setStretchFactor(2, 1)
        self._dock(right, "Lesions and response", Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_toolbar()

    def _dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(area, dock)

    def _action(self, bar: QToolBar, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{text} ({shortcut})")
        action.triggered.connect(slot)
        bar.addAction(action)
        return action

    def _build_toolbar(self) -> None:
        bar = QToolBar("Reading")
        bar.setObjectName("reading")
        self.addToolBar(bar)
        self._undo_action = self._action(bar, "Undo", "Ctrl+Z", self._on_undo)
        self._redo_action = self._action(bar, "Redo", "Ctrl+Shift+Z", self._on_redo)
        bar.addSeparator()
        self._action(bar, "Measure", "M", lambda: self.set_mode(InteractionMode.MEASURE))
        self._action(bar, "Bidirectional", "B",
                     lambda: self.set_mode(InteractionMode.MEASURE_BIDIRECTIONAL))
        self._action(bar, "Window/level", "W",
                     lambda: self.set_mode(InteractionMode.WINDOW_LEVEL))
        self._action(bar, "Next to do", "N", self.select_next_to_do)
        bar.addSeparator()
        self._measure_box = QComboBox()
        for target, text in ((MeasureTarget.AUTO, "Sets: by criteria"),
                             (MeasureTarget.LONG_AXIS, "Sets: long axis"),
                             (MeasureTarget.VIABLE, "Sets: viable diameter"),
                             (MeasureTarget.SHORT_AXIS, "Sets: short axis")):
            self._measure_box.addItem(text, target)
        bar.addWidget(self._measure_box)
        self._phase_box = QComboBox()
        for phase in PHASES:
            self._phase_box.addItem(PHASE_LABELS[phase], phase)
        self._phase_box.currentIndexChanged.connect(self._on_phase_box_changed)
        bar.addWidget(self._phase_box)
        self._criteria_box = QComboBox()
        for criteria in Criteria:
            self._criteria_box.addItem(f"Criteria: {criteria.value}", criteria)
        self._criteria_box.setToolTip("Primary criteria of this patient's read (mRECIST for "
                                      "HCC, RECIST 1.1 for metastases)")
        self._criteria_box.activated.connect(self._on_criteria_box_activated)
        bar.addWidget(self._criteria_box)
        self._prior_box = QComboBox()
        self._prior_box.addItem("Prior: baseline", False)
        self._prior_box.addItem("Prior: nadir", True)
        self._prior_box.currentIndexChanged.connect(self._on_prior_box_changed)
        bar.addWidget(self._prior_box)
        self._action(bar, "Toggle prior", "P",
                     lambda: self._prior_box.setCurrentIndex(1 - self._prior_box.currentIndex()))

    # ---- public API ---------------------------------------------------------------------

    @property
    def document(self) -> StudyDocument | None:
        return self._document

    @property
    def stack(self) -> EditStack | None:
        return self._stack

    @property
    def current_view(self) -> ImageView:
        return self._current_view

    @property
    def prior_view(self) -> ImageView:
        return self._prior_view

    @property
    def summary(self) -> ResponseSummary | None:
        return self._summary

    def open_read(self, read_id: int, current: date | None = None) -> None:
        """Open a stored read; ``current`` defaults to the first follow-up still to do."""
        if self._document is not None:
            self._document.changed.unsubscribe(self._on_document_changed)
        document = self._repository.open_document(read_id, user_id=self._user_id)
        self._read_id = read_id
        self._document = document
        self._stack = EditStack(document)
        self._stack.canUndoChanged.connect(self._undo_action.setEnabled)
        self._stack.canRedoChanged.connect(self._redo_action.setEnabled)
        self._undo_action.setEnabled(False)
        self._redo_action.setEnabled(False)
        document.changed.subscribe(self._on_document_changed)
        study = document.study
        criteria = Criteria(study.criteria)
        self._phase = "arterial" if criteria is Criteria.MRECIST else "portal_venous"
        self._phase_box.setCurrentIndex(PHASES.index(self._phase))
        self._selected = None
        dates = [tp.date for tp in study.timepoints]
        if current is None:
            todo = [tp.date for tp in study.timepoints[1:] if not tp.measurements]
            current = todo[0] if todo else dates[-1]
        self._fill_worklist()
        self.set_current_date(current)
        self._current_view.apply_preset(LIVER_WINDOW_PRESET)

    def set_current_date(self, day: date) -> None:
        """Read the time point ``day`` (the prior view shows the baseline or the nadir)."""
        self._current = day
        self._show_images()
        self._refresh()

    def set_mode(self, mode: InteractionMode) -> None:
        self._current_view.set_mode(mode)
        self._prior_view.set_mode(mode)

    def select_lesion(self, lesion_id: str | None) -> None:
        """Select a lesion: the editor shows it and the views jump to where it was drawn."""
        self._selected = lesion_id
        if self._document is not None:
            self._editor.set_context(self._document, lesion_id, self._current)
        if lesion_id is not None and self._current is not None:
            self._grid.select(lesion_id, self._current)
            self._jump_to(lesion_id)

    def select_next_to_do(self) -> None:
        """Select the next baseline lesion without an entry at the current time point."""
        todo = self.to_do()
        if todo:
            self.select_lesion(todo[0])
        else:
            self.statusBar().showMessage("Every lesion is recorded at this time point.", 5000)

    def push_edit(self, edit: object) -> bool:
        """Apply and record an edit; a failure is shown and nothing changes."""
        if self._stack is None:
            return False
        try:
            self._stack.push_edit(edit)  # type: ignore[arg-type]
        except (EditError, StorageError) as exc:
            QMessageBox.warning(self, "Not saved", f"The change was not saved:\n{exc}")
            return False
        self.statusBar().showMessage(f"Saved: {getattr(edit, 'label', 'edit')}", 5000)
        return True

    # ---- images -------------------------------------------------------------------------

    def _series_uid(self, day: date | None) -> str | None:
        if self._document is None or day is None:
            return None
        tp = self._document.study.timepoint(day)
        return None if tp is None else tp.series_uid(self._phase)

    def _volume(self, series_uid: str | None) -> Volume | None:
        if series_uid is None or series_uid not in self._series:
            return None
        if series_uid not in self._volumes:
            try:
                self._volumes[series_uid] = load_series(self._series[series_uid])
            except DicomLoadError as exc:
                self.statusBar().showMessage(f"Cannot load the series: {exc}", 10000)
                return None
        return self._volumes[series_uid]

    def _prior_date(self) -> date | None:
        if self._document is None or not self._document.study.timepoints:
            return None
        baseline = self._document.study.timepoints[0].date
        if not self._prior_is_nadir or self._summary is None:
            return baseline
        result = self._summary.primary.assessment
        if result is None:
            return baseline
        for tp in result.timepoints:
            if tp.date == self._current and tp.nadir_date is not None:
                return tp.nadir_date
        return baseline

    def _show_images(self) -> None:
        prior_date = self._prior_date()
        for view, title, day, role in ((self._current_view, self._current_title,
                                        self._current, "Current"),
                                       (self._prior_view, self._prior_title, prior_date,
                                        "Prior")):
            volume = self._volume(self._series_uid(day))
            phase = PHASE_LABELS[self._phase]
            if volume is None:
                title.setText(f"{role}: {day} - no {phase.lower()} series")
                continue
            view.set_volume(volume, measurable=view is self._current_view)
            title.setText(f"{role}: {day}  {phase}  {volume.series_description}")
        self._offset_slices = 0
        self._start_registration()
        self._sync_calipers()

    def _start_registration(self) -> None:
        prior = self._volume(self._series_uid(self._prior_date()))
        current = self._volume(self._series_uid(self._current))
        if prior is None or current is None or prior is current:
            return
        key = (prior.series_instance_uid, current.series_instance_uid)
        if key in self._transforms or (
            self._registration_thread is not None and self._registration_thread.is_alive()
        ):
            return
        self.statusBar().showMessage("Aligning the prior to the current scan...")
        signals = self._signals
        cancel = self._cancel_registration

        def run() -> None:
            try:
                result = register_rigid(prior, current, cancel=cancel)
                signals.sig_registration_finished.emit(key, result.transform)
            except Exception as exc:  # noqa: BLE001 - reported, linking falls back
                signals.sig_registration_finished.emit(key, str(exc))

        self._registration_thread = threading.Thread(target=run, name="registration")
        self._registration_thread.start()

    def _on_registration_finished(self, key: tuple[str, str], outcome: object) -> None:
        if isinstance(outcome, RigidTransform):
            self._transforms[key] = outcome
            self.statusBar().showMessage("Prior aligned to the current scan.", 5000)
            self._on_current_view_slice_changed(self._current_view.slice_index)
        else:
            self.statusBar().showMessage(
                f"Alignment failed ({outcome}); scrolling is linked by position.", 10000)
        self._start_registration()  # the pair shown may have changed meanwhile

    def _transform(self) -> RigidTransform:
        prior, current = self._prior_view.volume, self._current_view.volume
        if prior is None or current is None:
            return RigidTransform.identity()
        key = (prior.series_instance_uid, current.series_instance_uid)
        return self._transforms.get(key, RigidTransform.identity())

    def _linked_prior_slice(self, k: int) -> int | None:
        prior, current = self._prior_view.volume, self._current_view.volume
        if prior is None or current is None:
            return None
        return corresponding_slice(prior, current, k, self._transform())

    def _on_current_view_slice_changed(self, k: int) -> None:
        linked = self._linked_prior_slice(k)
        if linked is not None:
            self._linking = True
            try:
                self._prior_view.set_slice(linked + self._offset_slices)
            finally:
                self._linking = False
        self._sync_calipers()

    def _on_prior_view_slice_changed(self, k: int) -> None:
        if not self._linking:
            # The reader scrolled the prior alone: keep that offset from now on (the manual
            # fallback when the automatic alignment is off or missing).
            linked = self._linked_prior_slice(self._current_view.slice_index)
            if linked is not None:
                self._offset_slices = k - linked
                self._update_titles()
        self._sync_calipers()

    def _update_titles(self) -> None:
        text = self._prior_title.text().split("  [")[0]
        if self._offset_slices:
            text += f"  [linked, manual offset {self._offset_slices:+d} slices]"
        self._prior_title.setText(text)

    # ---- calipers -----------------------------------------------------------------------

    def _lines(self, day: date | None) -> list[tuple[_Owner, Caliper]]:
        if self._document is None or day is None:
            return []
        tp = self._document.study.timepoint(day)
        out = []
        for m in tp.measurements if tp else ():
            for field in ("long_axis", "short_axis", "viable"):
                line = getattr(m, f"{field}_line")
                if line is not None:
                    out.append((_Owner(m.lesion_id, field), line))
        return out

    def _sync_calipers(self) -> None:
        """Show the stored lines of each view's time point on the slice shown."""
        self._owners.clear()
        for view, day in ((self._current_view, self._current),
                          (self._prior_view, self._prior_date())):
            view.clear_calipers()
            volume = view.volume
            if volume is None:
                continue
            seen: set[tuple[float, ...]] = set()
            for owner, line in self._lines(day):
                key = (*line.start.as_list(), *line.end.as_list())
                if key in seen:  # viable drawn on the long axis: one caliper
                    continue
                seen.add(key)
                a = volume.patient_to_index(line.start.as_list())
                b = volume.patient_to_index(line.end.as_list())
                if round(float(a[0])) != view.slice_index:
                    continue
                item = view.add_caliper((float(a[2]), float(a[1])), (float(b[2]), float(b[1])))
                self._owners[id(item)] = owner

    def _owner_of(self, measurement: CaliperMeasurement) -> _Owner | None:
        for item in self._current_view.calipers():
            if isinstance(item, CaliperItem) and item.measurement() == measurement:
                return self._owners.get(id(item))
        return None

    def _on_current_view_measured(self, measurement: CaliperMeasurement) -> None:
        owner = self._owner_of(measurement)
        lesion_id = owner.lesion_id if owner else self._selected
        if self._document is None or self._current is None or lesion_id is None:
            self.statusBar().showMessage(
                "Select a lesion in the grid first, then draw its caliper.", 8000)
            QTimer.singleShot(0, self._sync_calipers)
            return
        values = self._values_for(lesion_id, measurement, owner)
        edit = self._document.set_measurement_edit(lesion_id, self._current, **values)
        self.push_edit(edit)
        QTimer.singleShot(0, self._sync_calipers)

    def _values_for(self, lesion_id: str, m: CaliperMeasurement, owner: _Owner | None
                    ) -> dict[str, object]:
        assert self._document is not None
        study = self._document.study
        lesion = study.lesion(lesion_id)
        assert lesion is not None
        chosen = MeasureTarget(owner.field if owner else self._measure_box.currentData())
        target = resolve_target(lesion, Criteria(study.criteria), chosen)
        if target is MeasureTarget.VIABLE and self._phase != "arterial":
            self.statusBar().showMessage(
                "Note: mRECIST measures the viable diameter on the arterial phase.", 8000)
        return measurement_values(lesion, target, m)

    def _jump_to(self, lesion_id: str) -> None:
        """Show the slice where the lesion was drawn (now, else at the prior, mapped)."""
        for day, view in ((self._current, self._current_view),
                          (self._prior_date(), self._prior_view)):
            lines = [line for owner, line in self._lines(day) if owner.lesion_id == lesion_id]
            volume = view.volume
            if not lines or volume is None:
                continue
            k = int(round(float(volume.patient_to_index(lines[0].start.as_list())[0])))
            if view is self._current_view:
                view.set_slice(k)
                return
            current = self._current_view.volume
            if current is not None:
                point = self._transform().inverse().map_point(lines[0].start.as_list())
                k_now = int(round(float(current.patient_to_index(point)[0])))
                self._current_view.set_slice(k_now)
            return

    # ---- document -----------------------------------------------------------------------

    def to_do(self) -> list[str]:
        """Lesions still to record at the current time point (the grid's case progress)."""
        return self._grid.todo_lesions()

    def _refresh(self) -> None:
        if self._document is None:
            return
        study = self._document.study
        self._summary = assess_study(study)
        self._grid.set_study(study, self._current)
        self._panel.set_summary(self._summary, self._current, study=study)
        self._editor.set_context(self._document, self._selected, self._current)
        todo = len(self.to_do())
        criteria = Criteria(study.criteria).value
        self._criteria_box.setCurrentIndex(list(Criteria).index(Criteria(study.criteria)))
        self.setWindowTitle(
            f"mRECIST Workstation - {study.patient_id} ({criteria}) - {self._current}"
            + (f" - {todo} to do" if todo else ""))

    def _on_document_changed(self, _change: object) -> None:
        self._refresh()
        QTimer.singleShot(0, self._sync_calipers)

    def _on_undo(self) -> None:
        if self._stack is not None and self._stack.canUndo():
            text = self._stack.undoText()
            self._stack.undo()
            self.statusBar().showMessage(f"Undone: {text}", 5000)

    def _on_redo(self) -> None:
        if self._stack is not None and self._stack.canRedo():
            text = self._stack.redoText()
            self._stack.redo()
            self.statusBar().showMessage(f"Redone: {text}", 5000)

    def _on_grid_cell_activated(self, lesion_id: str, day: object) -> None:
        if isinstance(day, date) and day != self._current:
            self.set_current_date(day)
        self.select_lesion(lesion_id)

    def ask_new_lesion(self, role: str) -> tuple[str, bool] | None:
        """Ask the organ of a new lesion (tests replace this method)."""
        organ, ok = QInputDialog.getText(self, "New lesion", "Organ (liver, lung, lymph node...)",
                                         text="liver")
        if not ok or not organ.strip():
            return None
        return organ.strip(), "node" in organ.lower()

    def _on_grid_add_lesion_requested(self, role: str) -> None:
        if self._document is None or self._current is None:
            return
        study = self._document.study
        if Role(role) is Role.TARGET and study.timepoints and self._current != \
                study.timepoints[0].date:
            self.statusBar().showMessage("Targets are chosen at baseline.", 8000)
            return
        answer = self.ask_new_lesion(role)
        if answer is None:
            return
        organ, nodal = answer
        edit = self._document.new_lesion_edit(Role(role), organ, self._current, nodal=nodal)
        if self.push_edit(edit):
            self.select_lesion(edit.lesion.lesion_id)  # type: ignore[attr-defined]

    def _on_criteria_box_activated(self, _index: int) -> None:
        if self._document is None:
            return
        before = Criteria(self._document.study.criteria)
        after = Criteria(self._criteria_box.currentData())
        if after is not before:
            self.push_edit(SetCriteria(before, after))

    def _on_phase_box_changed(self, _index: int) -> None:
        self._phase = str(self._phase_box.currentData())
        if self._document is not None:
            self._show_images()

    def _on_prior_box_changed(self, _index: int) -> None:
        self._prior_is_nadir = bool(self._prior_box.currentData())
        if self._document is not None:
            self._show_images()

    # ---- worklist -----------------------------------------------------------------------

    def _fill_worklist(self) -> None:
        self._worklist.clear()
        for read in self._repository.list_reads():
            item = QTreeWidgetItem([f"{read.patient_id}  {read.criteria}  "
                                    f"{read.reader_id or ''}".strip()])
            item.setData(0, Qt.ItemDataRole.UserRole, (read.read_id, None))
            self._worklist.addTopLevelItem(item)
            if read.read_id == self._read_id and self._document is not None:
                for n, tp in enumerate(self._document.study.timepoints):
                    label = f"{tp.date}  {'baseline' if n == 0 else f'follow-up {n}'}"
                    child = QTreeWidgetItem([label])
                    child.setData(0, Qt.ItemDataRole.UserRole, (read.read_id, tp.date))
                    item.addChild(child)
                item.setExpanded(True)

    def _on_worklist_item_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        read_id, day = item.data(0, Qt.ItemDataRole.UserRole)
        if read_id != self._read_id:
            self.open_read(read_id)
        elif day is not None and day != self._current:
            self.set_current_date(day)

    def registration_running(self) -> bool:
        """Whether the prior is being aligned to the current scan in the background."""
        return self._registration_thread is not None and self._registration_thread.is_alive()

    def stop_background_work(self, timeout_s: float = 10.0) -> None:
        """Cancel a running registration and wait for its thread (SimpleITK must not be left
        running in a thread when the interpreter exits)."""
        self._cancel_registration.set()
        if self._registration_thread is not None:
            self._registration_thread.join(timeout_s)
        self._cancel_registration = threading.Event()

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.stop_background_work()
        if self._document is not None:
            self._document.changed.unsubscribe(self._on_document_changed)
        super().closeEvent(event)  # type: ignore[arg-type]
