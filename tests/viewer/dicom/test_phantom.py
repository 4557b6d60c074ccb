"""The synthetic phantom: valid DICOM, deterministic, truth consistent with the pixels."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.viewer.dicom.conftest import ANISO, Study
from viewer.dicom import load_series
from viewer.phantom import PhantomGeometry, generate_demo, generate_study


def test_files_are_valid_ct_image_storage(aniso_study: Study) -> None:
    path = aniso_study.files("arterial")[0]
    with open(path, "rb") as fp:
        assert fp.read(132)[128:] == b"DICM"
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert ds.SOPClassUID == pydicom.uid.CTImageStorage
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert str(ds.PatientName) == "DEMO^HCC^ONE"
    assert ds.PatientIdentityRemoved == "YES"
    for kw in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID",
               "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing",
               "SliceThickness", "RescaleSlope", "RescaleIntercept", "WindowCenter",
               "WindowWidth", "StudyDate", "AcquisitionTime", "ContrastBolusAgent"):
        assert kw in ds, kw
    assert pydicom.uid.UID(ds.SOPInstanceUID).is_valid
    assert ds.pixel_array.shape == (ANISO.rows, ANISO.cols)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    geo = PhantomGeometry(rows=32, cols=32, slices=4, pixel_spacing_mm=(4.0, 4.0),
                          slice_spacing_mm=5.0)

    def digest(folder: Path, seed: int) -> str:
        m = generate_study(folder, geometry=geo, phases=("portal_venous",), seed=seed)
        h = hashlib.sha256()
        for f in sorted(Path(m.series_folders["portal_venous"]).iterdir()):
            h.update(f.name.encode() + f.read_bytes())
        return h.hexdigest()

    assert digest(tmp_path / "a", 7) == digest(tmp_path / "b", 7)
    assert digest(tmp_path / "c", 8) != digest(tmp_path / "a", 7)


def test_truth_and_hu_values(aniso_study: Study) -> None:
    truth = aniso_study.truth
    assert truth["synthetic"] is True
    ids = {les["lesion_id"] for les in truth["lesions"]}
    assert ids == {"HCC-1", "HCC-2", "HCC-3"}
    hcc1 = aniso_study.lesion("HCC-1")
    assert hcc1["long_axis_mm"] == 32.0
    assert 20.0 < hcc1["viable_diameter_mm"] < 32.0  # necrotic core excluded
    nc = load_series(aniso_study.files("non_contrast"))
    art = load_series(aniso_study.files("arterial"))
    k, r, c = np.round(art.patient_to_index(aniso_study.lesion("HCC-3")["centre_mm"])).astype(int)
    assert art.voxels[k, r - 2 : r + 3, c - 2 : c + 3].mean() == pytest.approx(150, abs=10)
    assert nc.voxels[k, r - 2 : r + 3, c - 2 : c + 3].mean() == pytest.approx(40, abs=10)


def test_small_demo_layout_truth_and_speed(demo_dir: Path, tmp_path: Path) -> None:
    hcc_fu1 = json.loads((demo_dir / "DEMO-HCC-01" / "followup1" / "truth.json").read_text())
    kinds = {les["lesion_id"]: les for les in hcc_fu1["lesions"]}
    assert kinds["HCC-1"]["kind"] == "ablation_zone"
    assert kinds["HCC-1"]["long_axis_mm"] == 42.0  # tumour 32 mm + 5 mm margin each side
    assert kinds["HCC-1-R"]["kind"] == "residual_nodule"
    assert kinds["HCC-4"]["new"] is True
    crc_fu2 = json.loads((demo_dir / "DEMO-CRC-02" / "followup2" / "truth.json").read_text())
    assert any(les["kind"] == "recurrent_nodule" for les in crc_fu2["lesions"])
    assert all(les["viable_diameter_mm"] is None
               for les in crc_fu2["lesions"] if les["kind"] == "metastasis")
    # The residual nodule enhances in the arterial phase; the ablation zone does not.
    folder = demo_dir / "DEMO-HCC-01" / "followup1"
    art = load_series(sorted(str(p) for p in (folder / "arterial").iterdir()))
    for lid, lo, hi in (("HCC-1-R", 130, 175), ("HCC-2", 20, 50)):
        centre = kinds[lid]["centre_mm"] if lid == "HCC-1-R" else kinds["HCC-2"]["centre_mm"]
        k, r, c = np.round(art.patient_to_index(centre)).astype(int)
        assert lo < art.voxels[k, r - 1 : r + 2, c - 1 : c + 2].mean() < hi, lid
    t0 = time.perf_counter()
    generate_demo(tmp_path / "again", size="small", seed=1)
    assert time.perf_counter() - t0 < 15.0
