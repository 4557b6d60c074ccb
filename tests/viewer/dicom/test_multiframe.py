"""Enhanced (multi-frame) images: per-frame functional groups give the frame positions."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.viewer.dicom.conftest import ANISO, Study
from viewer.dicom import SeriesError, load_series


def _enhanced_ct_from(files: list[str], out: Path, seed: int) -> None:
    """Pack single-frame CT files into one Enhanced CT file, frames in shuffled order."""
    dss = [pydicom.dcmread(f) for f in files]
    random.Random(seed).shuffle(dss)
    first = dss[0]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    for kw in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID", "Modality",
               "SeriesDescription", "PatientName", "PatientID", "Rows", "Columns",
               "SamplesPerPixel", "PhotometricInterpretation", "BitsAllocated", "BitsStored",
               "HighBit", "PixelRepresentation"):
        setattr(ds, kw, getattr(first, kw))
    ds.NumberOfFrames = len(dss)
    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = first.PixelSpacing
    pm.SliceThickness = first.SliceThickness
    shared.PixelMeasuresSequence = Sequence([pm])
    po = Dataset()
    po.ImageOrientationPatient = first.ImageOrientationPatient
    shared.PlaneOrientationSequence = Sequence([po])
    pv = Dataset()
    pv.RescaleSlope = "1"
    pv.RescaleIntercept = first.RescaleIntercept
    pv.RescaleType = "HU"
    shared.PixelValueTransformationSequence = Sequence([pv])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for d in dss:
        item = Dataset()
        pp = Dataset()
        pp.ImagePositionPatient = d.ImagePositionPatient
        item.PlanePositionSequence = Sequence([pp])
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.PixelData = b"".join(d.PixelData for d in dss)
    ds.save_as(out, enforce_file_format=True)


def test_enhanced_ct_matches_single_frame_series(aniso_study: Study, tmp_path: Path) -> None:
    files = aniso_study.files("arterial")
    out = tmp_path / "enhanced.dcm"
    _enhanced_ct_from(files, out, seed=2)
    multi = load_series([out])
    single = load_series(files)
    assert multi.shape == single.shape == (ANISO.slices, ANISO.rows, ANISO.cols)
    assert multi.voxels.dtype == np.int16
    assert np.array_equal(multi.voxels, single.voxels)
    assert multi.spacing_mm == pytest.approx(single.spacing_mm)
    assert multi.origin_mm == pytest.approx(single.origin_mm)
    assert multi.slice_dir == pytest.approx(single.slice_dir)
    assert multi.warnings == ()


def test_multiframe_file_among_others_is_refused(aniso_study: Study, tmp_path: Path) -> None:
    out = tmp_path / "enhanced.dcm"
    _enhanced_ct_from(aniso_study.files("arterial")[:4], out, seed=1)
    with pytest.raises(SeriesError, match="multi-frame"):
        load_series([*aniso_study.files("arterial")[:2], str(out)])


def test_pydicom_enhanced_ct_sample() -> None:
    vol = load_series([get_testdata_file("eCT_Supplemental.dcm")])
    assert vol.shape == (2, 512, 512)
    assert vol.spacing_mm[1:] == pytest.approx((0.388672, 0.388672))
    assert vol.spacing_mm[0] > 0
