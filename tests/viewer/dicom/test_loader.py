"""load_series: geometry, sorting, warnings, progress, cancel, fast path vs pydicom."""

from __future__ import annotations

import os
import random
import shutil
import threading
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_rescale

from tests.viewer.dicom.conftest import ANISO, OBLIQUE, Study
from viewer.dicom import (
    DicomLoadError,
    LoadCancelled,
    SeriesError,
    Volume,
    find_series,
    load_series,
)
from viewer.dicom import loader as loader_mod
from viewer.dicom.header import SliceHeader


def _lesion_centroid_index(vol: Volume, centre_mm: list[float], radius_mm: float) -> np.ndarray:
    """Centroid (k, r, c) of voxels >= 110 HU near a lesion (arterial HCC is ~150 HU)."""
    k0, r0, c0 = vol.patient_to_index(centre_mm)
    dk, dr, dc = vol.spacing_mm
    box = [
        (max(int(k0 - radius_mm / dk), 0), int(k0 + radius_mm / dk) + 1),
        (max(int(r0 - radius_mm / dr), 0), int(r0 + radius_mm / dr) + 1),
        (max(int(c0 - radius_mm / dc), 0), int(c0 + radius_mm / dc) + 1),
    ]
    sub = vol.voxels[box[0][0]:box[0][1], box[1][0]:box[1][1], box[2][0]:box[2][1]]
    kk, rr, cc = np.nonzero(sub >= 110)
    assert kk.size > 50, "lesion not found"
    return np.array([kk.mean() + box[0][0], rr.mean() + box[1][0], cc.mean() + box[2][0]])


def test_anisotropic_geometry_matches_phantom(aniso_study: Study) -> None:
    vol = load_series(aniso_study.files("arterial"))
    assert vol.shape == (ANISO.slices, ANISO.rows, ANISO.cols)
    assert vol.spacing_mm == pytest.approx((1.5, 0.6, 0.9))
    assert vol.origin_mm == pytest.approx(tuple(ANISO.origin_mm), abs=1e-4)
    assert vol.col_dir == pytest.approx((1, 0, 0))
    assert vol.row_dir == pytest.approx((0, 1, 0))
    assert vol.slice_dir == pytest.approx((0, 0, 1))
    assert vol.voxels.dtype == np.int16
    assert vol.warnings == ()
    assert vol.modality == "CT"
    assert vol.series_description == "Arterial 2.5mm"
    assert len(set(vol.sop_instance_uids)) == ANISO.slices


def test_lesion_centre_found_at_true_patient_position(aniso_study: Study) -> None:
    vol = load_series(aniso_study.files("arterial"))
    truth = aniso_study.lesion("HCC-3")
    found = _lesion_centroid_index(vol, truth["centre_mm"], 10.0)
    expected = vol.patient_to_index(truth["centre_mm"])
    assert np.all(np.abs(found - expected) < 0.5), (found, expected)
    # And the HU values are the phantom's: HCC ~150, liver ~70 in the arterial phase.
    k, r, c = np.round(expected).astype(int)
    assert 135 < vol.voxels[k, r - 2 : r + 3, c - 2 : c + 3].mean() < 165


def test_oblique_orientation(oblique_study: Study) -> None:
    vol = load_series(oblique_study.files("arterial"))
    o = OBLIQUE.orientation
    assert vol.col_dir == pytest.approx(o[:3], abs=1e-6)
    assert vol.row_dir == pytest.approx(o[3:], abs=1e-6)
    assert vol.slice_dir == pytest.approx(tuple(OBLIQUE.normal), abs=1e-6)
    assert vol.spacing_mm == pytest.approx((1.25, 0.8, 0.8))
    assert vol.origin_mm == pytest.approx(tuple(OBLIQUE.origin_mm), abs=1e-4)
    truth = oblique_study.lesion("HCC-3")
    found = _lesion_centroid_index(vol, truth["centre_mm"], 10.0)
    assert np.all(np.abs(found - vol.patient_to_index(truth["centre_mm"])) < 0.5)


def test_shuffled_file_order_gives_the_same_volume(aniso_study: Study) -> None:
    files = aniso_study.files("arterial")
    ref = load_series(files)
    shuffled = files[:]
    random.Random(1).shuffle(shuffled)
    vol = load_series(shuffled)
    assert np.array_equal(vol.voxels, ref.voxels)
    assert vol.origin_mm == ref.origin_mm
    assert vol.sop_instance_uids == ref.sop_instance_uids
    # Sorted by position, not InstanceNumber (the phantom numbers slices head first).
    first = pydicom.dcmread(files[0], stop_before_pixels=True)
    by_uid = {
        pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID: f for f in files
    }
    z = [float(pydicom.dcmread(by_uid[u], stop_before_pixels=True).ImagePositionPatient[2])
         for u in vol.sop_instance_uids]
    assert z == sorted(z)
    assert first.Modality == "CT"


def test_gap_is_reported(aniso_study: Study, tmp_path: Path) -> None:
    vol_full = load_series(aniso_study.files("arterial"))
    files = aniso_study.files("arterial")
    uid_mid = vol_full.sop_instance_uids[12]
    kept = [f for f in files if uid_mid not in f]
    assert len(kept) == len(files) - 1
    vol = load_series(kept)
    assert vol.shape[0] == ANISO.slices - 1
    assert any("non-uniform slice spacing" in w and "3.00 mm" in w for w in vol.warnings)


def test_duplicate_positions_are_reported(aniso_study: Study, tmp_path: Path) -> None:
    files = aniso_study.files("arterial")
    dup = tmp_path / "copy_of_slice.dcm"
    shutil.copy(files[5], dup)
    vol = load_series([*files, str(dup)])
    assert vol.shape[0] == ANISO.slices
    assert any("duplicate slice position" in w and "copy_of_slice.dcm" in w
               for w in vol.warnings)


def test_mixed_sizes_are_refused(aniso_study: Study, oblique_study: Study) -> None:
    files = aniso_study.files("arterial")[:3] + oblique_study.files("arterial")[:3]
    with pytest.raises(SeriesError, match="mixed"):
        load_series(files)


def test_mixed_orientation_is_refused(aniso_study: Study, tmp_path: Path) -> None:
    files = aniso_study.files("arterial")[:4]
    ds = pydicom.dcmread(files[2])
    ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    odd = tmp_path / "sagittal.dcm"
    ds.save_as(odd)
    with pytest.raises(SeriesError, match="mixed orientation") as info:
        load_series([files[0], files[1], str(odd)])
    assert "sagittal.dcm" in str(info.value)


def test_missing_position_in_multi_file_series_is_refused(
    aniso_study: Study, tmp_path: Path
) -> None:
    files = aniso_study.files("arterial")[:3]
    ds = pydicom.dcmread(files[1])
    del ds.ImagePositionPatient
    bad = tmp_path / "nopos.dcm"
    ds.save_as(bad)
    with pytest.raises(SeriesError, match="nopos.dcm has no ImagePositionPatient"):
        load_series([files[0], str(bad), files[2]])


def test_on_first_slice_gets_middle_slice_before_completion(aniso_study: Study) -> None:
    calls: list[tuple[int, np.ndarray, int]] = []
    progress: list[tuple[int, int]] = []

    def first(k: int, arr: np.ndarray) -> None:
        calls.append((k, arr.copy(), len(progress)))

    vol = load_series(aniso_study.files("arterial"), on_first_slice=first,
                      progress=lambda d, t: progress.append((d, t)))
    assert len(calls) == 1
    k, arr, n_progress_at_call = calls[0]
    assert k == ANISO.slices // 2
    assert np.array_equal(arr, vol.voxels[k])
    assert arr.dtype == np.int16
    total = 2 * ANISO.slices
    # Headers were all scanned, but only the middle slice's pixels had been read.
    assert n_progress_at_call == ANISO.slices
    assert progress[-1] == (total, total)
    assert [d for d, _ in progress] == list(range(1, total + 1))


def test_cancel_stops_loading(aniso_study: Study) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 40:
            cancel.set()

    with pytest.raises(LoadCancelled):
        load_series(aniso_study.files("arterial"), progress=progress, cancel=cancel)
    seen: list[int] = []
    with pytest.raises(LoadCancelled):
        load_series(aniso_study.files("arterial"), cancel=cancel,
                    progress=lambda d, t: seen.append(d))
    assert seen == []
    assert issubclass(LoadCancelled, DicomLoadError)


def test_loads_from_a_worker_thread(aniso_study: Study) -> None:
    result: list[Volume] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            result.append(load_series(aniso_study.files("arterial")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join(30)
    assert not errors and len(result) == 1
    assert result[0].shape == (ANISO.slices, ANISO.rows, ANISO.cols)


def _pydicom_reference(files: list[str]) -> np.ndarray:
    dss = [pydicom.dcmread(f) for f in files]
    normal = np.cross(
        np.asarray(dss[0].ImageOrientationPatient[:3], float),
        np.asarray(dss[0].ImageOrientationPatient[3:], float),
    )
    dss.sort(key=lambda d: float(np.dot(normal, np.asarray(d.ImagePositionPatient, float))))
    return np.stack([apply_rescale(d.pixel_array, d) for d in dss])


@pytest.mark.parametrize("fixture", ["aniso_study", "crc_study"])
def test_fast_path_equals_pydicom(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    study: Study = request.getfixturevalue(fixture)
    phase = next(iter(study.series))
    files = study.files(phase)
    fast_calls: list[str] = []
    real_fast = loader_mod._read_fast

    def spy(hdr: SliceHeader, out: np.ndarray) -> None:
        fast_calls.append(hdr.path)
        real_fast(hdr, out)

    monkeypatch.setattr(loader_mod, "_read_fast", spy)
    fast = load_series(files)
    assert len(fast_calls) == len(files)
    monkeypatch.setattr(SliceHeader, "fast_readable", property(lambda self: False))
    fast_calls.clear()
    slow = load_series(files)
    assert fast_calls == []
    assert fast.voxels.dtype == slow.voxels.dtype == np.int16
    assert np.array_equal(fast.voxels, slow.voxels)
    assert np.array_equal(fast.voxels, _pydicom_reference(files))


def test_unsigned_12_bit_pixels_give_int16_hu(crc_study: Study) -> None:
    vol = load_series(crc_study.files("portal_venous"))
    assert vol.voxels.dtype == np.int16
    assert vol.voxels.min() >= -1024
    liver = vol.voxels[vol.shape[0] // 2, :, :]
    assert np.median(liver) == pytest.approx(110, abs=15)  # liver fills most of this grid


def test_non_unit_slope_gives_float32(aniso_study: Study, tmp_path: Path) -> None:
    files = aniso_study.files("arterial")[:4]
    out = []
    for i, f in enumerate(files):
        ds = pydicom.dcmread(f)
        ds.RescaleSlope = "0.5"
        ds.RescaleIntercept = "-1000.25"
        p = tmp_path / f"s{i}.dcm"
        ds.save_as(p)
        out.append(str(p))
    vol = load_series(out)
    assert vol.voxels.dtype == np.float32
    ref = _pydicom_reference(out)
    assert np.allclose(vol.voxels, ref, atol=1e-3)


def test_int16_overflow_falls_back_to_float32(aniso_study: Study, tmp_path: Path) -> None:
    files = aniso_study.files("arterial")[:3]
    out = []
    for i, f in enumerate(files):
        ds = pydicom.dcmread(f)
        ds.RescaleIntercept = "32000"
        p = tmp_path / f"o{i}.dcm"
        ds.save_as(p)
        out.append(str(p))
    vol = load_series(out)
    assert vol.voxels.dtype == np.float32
    assert float(vol.voxels.max()) > 32767
    assert np.array_equal(vol.voxels, _pydicom_reference(out).astype(np.float32))


def test_load_series_accepts_series_info(demo_dir: Path) -> None:
    series = find_series(demo_dir / "DEMO-CRC-02" / "baseline")
    assert len(series) == 3
    vol = load_series(series[0])
    assert vol.shape == (80, 256, 256)
    assert vol.series_instance_uid == series[0].series_instance_uid
    assert vol.spacing_mm == pytest.approx((2.5, 0.78, 0.78))


def test_no_files_is_a_series_error() -> None:
    with pytest.raises(SeriesError, match="no files"):
        load_series([])


def test_series_error_names_the_files(aniso_study: Study, tmp_path: Path) -> None:
    other = tmp_path / "other"
    os.mkdir(other)
    ds = pydicom.dcmread(aniso_study.files("arterial")[0])
    ds.SeriesInstanceUID = "1.2.3.4"
    ds.save_as(other / "foreign.dcm")
    with pytest.raises(SeriesError, match="foreign.dcm"):
        load_series([aniso_study.files("arterial")[1], str(other / "foreign.dcm")])
