"""Smoke tests for viewer.viewer_window: three planes, window sync, loading a folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.viewer.test_geometry import make_volume
from tests.viewer.test_items import mouse_drag
from viewer.geometry import Plane
from viewer.image_view import InteractionMode
from viewer.viewer_window import ViewerWindow, run_viewer

pytestmark = pytest.mark.gui


def write_ct_series(folder: Path, n: int, description: str, series_number: int,
                    fill: int) -> str:
    """Write ``n`` tiny axial CT slices (32x24, PixelSpacing 0.6\\0.9) with pydicom."""
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    series_uid = generate_uid()
    study_uid = "1.2.826.0.1.3680043.8.498.1"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = pydicom.Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = study_uid + ".9"
        ds.Modality = "CT"
        ds.SeriesDescription = description
        ds.SeriesNumber = series_number
        ds.InstanceNumber = k + 1
        ds.PatientName = "Phantom^Test"
        ds.PatientID = "PH1"
        ds.ImagePositionPatient = [-10.0, -10.0, -2.5 * k]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [0.6, 0.9]
        ds.SliceThickness = 2.5
        ds.Rows, ds.Columns = 32, 24
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        pixels = np.full((32, 24), fill + 1024 + k, dtype=np.int16)
        ds.PixelData = pixels.tobytes()
        ds.save_as(folder / f"{ds.SOPInstanceUID}.dcm", enforce_file_format=True)
    return series_uid


@pytest.fixture
def window(qtbot: object) -> ViewerWindow:
    w = ViewerWindow()
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)  # type: ignore[attr-defined]
    return w


def test_three_planes_and_window_sync(window: ViewerWindow) -> None:
    vol = make_volume(shape=(20, 64, 48))
    window.set_volume(vol)
    axial, coronal, sagittal = window.views()
    assert (axial.plane, coronal.plane, sagittal.plane) == (
        Plane.AXIAL, Plane.CORONAL, Plane.SAGITTAL)
    axial.apply_preset(2)
    assert (coronal.window.width, sagittal.window.level) == (150, 90)
    assert coronal.window.name == "Liver"


def test_measurement_reaches_window_signal_and_status_bar(window: ViewerWindow) -> None:
    window.set_volume(make_volume(shape=(20, 64, 48)))
    window.set_mode(InteractionMode.MEASURE)
    seen: list[object] = []
    window.sig_measurement_finished.connect(seen.append)
    vp = window.axial_view.graphics_view.viewport()
    mouse_drag(vp, QPoint(60, 60), QPoint(200, 160))
    assert len(seen) == 1
    assert window.statusBar().currentMessage() == f"Measured {seen[0].describe()}"


def test_open_folder_loads_in_background_and_lists_series(
    window: ViewerWindow, qtbot: object, tmp_path: Path
) -> None:
    venous = write_ct_series(tmp_path / "a", 12, "PV <venous>", 2, fill=110)
    arterial = write_ct_series(tmp_path / "b", 8, "ART", 3, fill=70)
    titles: list[str] = []
    window.axial_view.sig_slice_changed.connect(
        lambda _k: titles.append(window.axial_view.overlay_text()["top_left"])
    )
    with qtbot.waitSignal(window.sig_volume_shown, timeout=20_000) as blocker:  # type: ignore
        window.open_path(str(tmp_path))
    vol = blocker.args[0]
    # The middle slice was shown early (loader's on_first_slice), before the whole volume.
    assert "loading (slice 7)" in titles[0] and len(titles) == 2
    assert vol.series_instance_uid == venous and vol.shape == (12, 32, 24)
    assert window.axial_view.overlay_text()["top_left"].startswith("PV <venous>")
    assert window.wait_until_idle()
    lst = window._series_list  # noqa: SLF001 - no public accessor needed elsewhere
    assert lst.isVisibleTo(window) and lst.count() == 2
    other = next(i for i in range(2) if "ART" in lst.item(i).text())
    with qtbot.waitSignal(window.sig_volume_shown, timeout=20_000) as blocker:  # type: ignore
        lst.setCurrentRow(other)
    assert blocker.args[0].series_instance_uid == arterial
    assert int(window.axial_view.image_item.image[0, 0]) in range(70, 78)
    assert window.wait_until_idle()


def test_reference_lines_follow_scrolling_and_click_navigates(
    window: ViewerWindow, qtbot: object
) -> None:
    vol = make_volume(shape=(20, 64, 48), spacing_mm=(2.5, 0.6, 0.9))
    window.set_volume(vol)
    axial, coronal, sagittal = window.views()
    axial.set_slice(5)
    # Coronal rows run head (slice 19) to feet (slice 0): slice 5 is row 14 = 35 mm down.
    assert coronal.reference_line_positions_mm()[Plane.AXIAL] == pytest.approx(14 * 2.5)
    assert sagittal.reference_line_positions_mm()[Plane.AXIAL] == pytest.approx(14 * 2.5)
    assert axial.reference_line_positions_mm()[Plane.CORONAL] == pytest.approx(32 * 0.6)
    # A left click on the axial image points the coronal and sagittal views at that voxel.
    vp = axial.graphics_view.viewport()
    target_mm = (10 * 0.9, 40 * 0.6)  # col 10, row 40
    click = axial.graphics_view.mapFromScene(axial.view_box.mapViewToScene(QPointF(*target_mm)))
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=click)  # type: ignore[attr-defined]
    assert coronal.slice_index == 40 and sagittal.slice_index == 10
    assert axial.slice_index == 5


def test_a_superseded_load_is_cancelled_quietly(
    window: ViewerWindow, qtbot: object, tmp_path: Path
) -> None:
    write_ct_series(tmp_path / "a", 40, "FIRST", 2, fill=110)
    second = write_ct_series(tmp_path / "b" / "c", 6, "SECOND", 5, fill=10)
    shown: list[object] = []
    window.sig_volume_shown.connect(shown.append)
    window.open_path(str(tmp_path / "a"))
    with qtbot.waitSignal(window.sig_volume_shown, timeout=20_000):  # type: ignore
        window.open_path(str(tmp_path / "b"))
    assert window.wait_until_idle()
    qtbot.wait(50)  # type: ignore[attr-defined]  (let any stale queued signal arrive)
    assert [v.series_instance_uid for v in shown] == [second]
    assert "Cancelled" not in window.statusBar().currentMessage()


def test_run_viewer_loads_a_folder_and_returns_the_exit_code(
    qapp: QApplication, tmp_path: Path
) -> None:
    uid = write_ct_series(tmp_path, 5, "RUN", 7, fill=40)
    seen: list[str] = []

    def poll() -> None:
        for w in QApplication.topLevelWidgets():
            vol = w.axial_view.volume if isinstance(w, ViewerWindow) else None
            if vol is not None and vol.series_instance_uid == uid:
                seen.append(vol.series_instance_uid)
                w.close()
                return
        QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)
    QTimer.singleShot(20_000, lambda: QApplication.exit(3))  # never hang the suite
    assert run_viewer(str(tmp_path)) == 0
    assert seen == [uid]
