"""The fast header walker against pydicom."""

from __future__ import annotations

import os
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.viewer.dicom.conftest import Study
from viewer.dicom.header import (
    FastHeaderUnsupported,
    NotDicomFile,
    read_fast_header,
)
from viewer.dicom.loader import scan_header


def test_ct_small_header_matches_pydicom() -> None:
    path = get_testdata_file("CT_small.dcm")
    hdr = read_fast_header(path)
    ds = pydicom.dcmread(path)
    assert hdr.rows == ds.Rows == 128 and hdr.columns == ds.Columns == 128
    assert hdr.image_position_mm == pytest.approx(tuple(float(v) for v in ds.ImagePositionPatient))
    assert hdr.image_orientation == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    assert hdr.pixel_spacing_mm == pytest.approx((0.661468, 0.661468))
    assert hdr.rescale_intercept == -1024.0 and hdr.rescale_slope == 1.0
    assert hdr.series_instance_uid == ds.SeriesInstanceUID
    assert hdr.contrast_bolus_agent == "ISOVUE300/100"
    assert hdr.pixel_length == 128 * 128 * 2
    with open(path, "rb") as fp:
        fp.seek(hdr.pixel_offset or 0)
        assert fp.read(hdr.pixel_length) == ds.PixelData
    assert hdr.fast_readable


def test_phantom_header(aniso_study: Study) -> None:
    path = aniso_study.files("arterial")[0]
    hdr = read_fast_header(path)
    assert hdr.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    assert hdr.contrast_bolus_start_time == "093200"
    assert hdr.acquisition_time == "093235"
    assert hdr.series_description == "Arterial 2.5mm"
    assert hdr.pixel_offset is not None
    assert hdr.pixel_offset + (hdr.pixel_length or 0) == os.path.getsize(path)


def test_implicit_vr_file() -> None:
    path = get_testdata_file("MR_small_implicit.dcm")
    hdr = read_fast_header(path)
    ds = pydicom.dcmread(path)
    assert hdr.transfer_syntax_uid == "1.2.840.10008.1.2"
    assert (hdr.rows, hdr.columns) == (ds.Rows, ds.Columns)
    assert hdr.fast_readable


def test_big_endian_is_left_to_pydicom() -> None:
    path = get_testdata_file("MR_small_bigendian.dcm")
    with pytest.raises(FastHeaderUnsupported):
        read_fast_header(path)
    hdr = scan_header(path)
    assert hdr.rows == 64 and not hdr.fast_readable


def test_compressed_header_is_read_but_not_fast() -> None:
    hdr = read_fast_header(get_testdata_file("JPEG2000.dcm"))
    assert hdr.rows > 0 and hdr.pixel_length is None and not hdr.fast_readable


def test_not_dicom(tmp_path: Path) -> None:
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x00" * 300)
    with pytest.raises(NotDicomFile):
        read_fast_header(p)
