"""The pydicom side of the loader: headers, pixel decoding and multi-frame geometry.

This module and :mod:`viewer.dicom.loader` are the only ones that touch ``pydicom.Dataset``.
Everything returned here is a typed value (:class:`SliceHeader`, numpy arrays, tuples).
Every failure is turned into a :class:`DicomLoadError` subclass naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from viewer.dicom import header as h
from viewer.dicom.errors import (
    DeclaredSizeError,
    DicomLoadError,
    MalformedDicomError,
    NotDicomError,
    PixelDecodeError,
    UnsupportedDicomError,
)
from viewer.dicom.header import SliceHeader

MAX_MATRIX = 16384
"""Largest accepted Rows or Columns (pixels); anything larger is treated as a lying header."""
MAX_PIXEL_BYTES = 4 * 1024**3
"""Largest accepted decoded pixel data of one file or one series, in bytes (4 GiB)."""
_MAX_RATIO = 2000
"""Largest plausible ratio of decoded to compressed bytes for encapsulated Pixel Data."""


def _tag_text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    if value is None:
        return ""
    if isinstance(value, pydicom.multival.MultiValue):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        vals = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return vals if len(vals) == count else None


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, pydicom.multival.MultiValue):
            value = value[0]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return None


def _int(value: Any, default: int | None) -> int | None:
    f = _float(value)
    return default if f is None else int(f)


def _looks_like_raw_dataset(path: str) -> bool:
    """True if a file without preamble starts like a little-endian group 0008 element."""
    with open(path, "rb") as fp:
        head = fp.read(8)
    return len(head) == 8 and head[0:2] in (b"\x08\x00", b"\x02\x00") and head[3] == 0


def read_dataset(path: str, *, pixels: bool) -> Dataset:
    """``dcmread`` with errors translated; ``force`` only for preamble-less data sets.

    With ``pixels=False`` values over 4 KiB (Pixel Data among them) are deferred, not read.
    """
    try:
        force = False
        try:
            with open(path, "rb") as fp:
                fp.seek(128)
                force = fp.read(4) != b"DICM" and _looks_like_raw_dataset(path)
        except OSError as exc:
            raise MalformedDicomError(path, f"cannot read file ({exc.strerror})") from exc
        ds = pydicom.dcmread(path, defer_size=None if pixels else 4096, force=force)
        if not isinstance(ds, Dataset) or (force and len(ds) == 0):
            raise NotDicomError(path, "not a DICOM file")
        if "DirectoryRecordSequence" in ds:
            raise UnsupportedDicomError(path, "is a DICOMDIR, not an image")
        return ds
    except DicomLoadError:
        raise
    except InvalidDicomError as exc:
        raise NotDicomError(path, f"not a DICOM file ({exc})") from exc
    except MemoryError as exc:
        raise DeclaredSizeError(path, "element lengths exceed available memory") from exc
    except Exception as exc:  # pydicom raises many types on corrupt input
        raise MalformedDicomError(path, f"cannot parse ({type(exc).__name__}: {exc})") from exc


def header_from_dataset(path: str, ds: Dataset) -> SliceHeader:
    """Typed :class:`SliceHeader` of a parsed dataset (no pixel offsets)."""
    ts = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    frames = _int(ds.get("NumberOfFrames"), 1) or 1
    return SliceHeader(
        path=path,
        transfer_syntax_uid=ts,
        sop_class_uid=_tag_text(ds, "SOPClassUID"),
        sop_instance_uid=_tag_text(ds, "SOPInstanceUID"),
        study_instance_uid=_tag_text(ds, "StudyInstanceUID"),
        series_instance_uid=_tag_text(ds, "SeriesInstanceUID"),
        frame_of_reference_uid=_tag_text(ds, "FrameOfReferenceUID"),
        modality=_tag_text(ds, "Modality"),
        series_description=_tag_text(ds, "SeriesDescription"),
        study_description=_tag_text(ds, "StudyDescription"),
        patient_name=_tag_text(ds, "PatientName"),
        patient_id=_tag_text(ds, "PatientID"),
        image_type=tuple(p for p in _tag_text(ds, "ImageType").split("\\") if p),
        series_number=_int(ds.get("SeriesNumber"), None),
        instance_number=_int(ds.get("InstanceNumber"), None),
        study_date=_tag_text(ds, "StudyDate"),
        study_time=_tag_text(ds, "StudyTime"),
        series_date=_tag_text(ds, "SeriesDate"),
        series_time=_tag_text(ds, "SeriesTime"),
        acquisition_date=_tag_text(ds, "AcquisitionDate"),
        acquisition_time=_tag_text(ds, "AcquisitionTime"),
        contrast_bolus_agent=_tag_text(ds, "ContrastBolusAgent"),
        contrast_bolus_route=_tag_text(ds, "ContrastBolusRoute"),
        contrast_bolus_volume_ml=_float(ds.get("ContrastBolusVolume")),
        contrast_bolus_start_time=_tag_text(ds, "ContrastBolusStartTime"),
        contrast_bolus_stop_time=_tag_text(ds, "ContrastBolusStopTime"),
        image_position_mm=_floats(ds.get("ImagePositionPatient"), 3),  # type: ignore[arg-type]
        image_orientation=_floats(ds.get("ImageOrientationPatient"), 6),  # type: ignore[arg-type]
        pixel_spacing_mm=_floats(ds.get("PixelSpacing"), 2),  # type: ignore[arg-type]
        slice_thickness_mm=_float(ds.get("SliceThickness")),
        rows=_int(ds.get("Rows"), 0) or 0,
        columns=_int(ds.get("Columns"), 0) or 0,
        number_of_frames=max(frames, 1),
        samples_per_pixel=_int(ds.get("SamplesPerPixel"), 1) or 1,
        photometric_interpretation=_tag_text(ds, "PhotometricInterpretation").upper(),
        bits_allocated=_int(ds.get("BitsAllocated"), 0) or 0,
        bits_stored=_int(ds.get("BitsStored"), 0) or 0,
        pixel_representation=_int(ds.get("PixelRepresentation"), 0) or 0,
        rescale_slope=_float(ds.get("RescaleSlope")) or 1.0,
        rescale_intercept=_float(ds.get("RescaleIntercept")) or 0.0,
        has_pixels="PixelData" in ds,
        file_size=os.path.getsize(path),
    )


def read_header(path: str) -> SliceHeader:
    """Header via pydicom, for files the fast walker does not handle.

    Raises
    ------
    NotDicomError, MalformedDicomError, UnsupportedDicomError
    """
    ds = read_dataset(path, pixels=False)
    return header_from_dataset(path, ds)


def check_declared_size(hdr: SliceHeader, *, pixel_bytes: int | None = None) -> None:
    """Reject absurd or lying image dimensions before anything is allocated or decoded.

    Parameters
    ----------
    hdr
        The file's header.
    pixel_bytes
        Bytes of Pixel Data present in the file (defined length or encapsulated total), if known.

    Raises
    ------
    UnsupportedDicomError
        No image (no Pixel Data, zero rows/columns, unsupported BitsAllocated).
    DeclaredSizeError
        Dimensions beyond :data:`MAX_MATRIX`, more than :data:`MAX_PIXEL_BYTES`, or more bytes
        declared than the file holds.
    """
    p = hdr.path
    if not hdr.has_pixels:
        raise UnsupportedDicomError(p, "has no Pixel Data (7FE0,0010); not an image")
    if hdr.rows <= 0 or hdr.columns <= 0:
        raise UnsupportedDicomError(p, f"declares {hdr.rows} rows x {hdr.columns} columns")
    if hdr.rows > MAX_MATRIX or hdr.columns > MAX_MATRIX:
        raise DeclaredSizeError(
            p, f"declares {hdr.rows} x {hdr.columns} pixels (more than {MAX_MATRIX} per side)"
        )
    if hdr.bits_allocated not in (1, 8, 16, 32, 64):
        raise UnsupportedDicomError(p, f"BitsAllocated {hdr.bits_allocated} is not supported")
    need = hdr.declared_pixel_bytes
    if need > MAX_PIXEL_BYTES:
        raise DeclaredSizeError(p, f"declares {need} bytes of pixel data (limit {MAX_PIXEL_BYTES})")
    if pixel_bytes is None:
        return
    if hdr.transfer_syntax_uid in (h.EXPLICIT_VR_LE, h.IMPLICIT_VR_LE, "1.2.840.10008.1.2.2"):
        if pixel_bytes < need:
            raise DeclaredSizeError(
                p,
                f"declares {hdr.rows} x {hdr.columns} x {hdr.number_of_frames} frame(s) x "
                f"{hdr.samples_per_pixel} sample(s) at {hdr.bits_allocated} bits = {need} bytes "
                f"but holds only {pixel_bytes} bytes of pixel data",
            )
    elif pixel_bytes * _MAX_RATIO < need:
        raise DeclaredSizeError(
            p, f"declares {need} decoded bytes from only {pixel_bytes} compressed bytes"
        )


def _decode(path: str, ds: Dataset) -> np.ndarray:
    hdr = header_from_dataset(path, ds)
    if hdr.samples_per_pixel != 1:
        raise UnsupportedDicomError(
            path, f"colour image ({hdr.samples_per_pixel} samples per pixel) is not supported"
        )
    elem = ds.get("PixelData")
    raw = getattr(elem, "value", elem) if elem is not None else None
    if raw is None:
        raise UnsupportedDicomError(path, "has no Pixel Data (7FE0,0010); not an image")
    check_declared_size(hdr, pixel_bytes=len(raw))
    try:
        arr = ds.pixel_array
    except MemoryError as exc:
        raise DeclaredSizeError(path, "decoded pixel data exceed available memory") from exc
    except Exception as exc:
        raise PixelDecodeError(
            path,
            f"cannot decode pixel data (transfer syntax {hdr.transfer_syntax_uid or 'unknown'}; "
            f"{type(exc).__name__}: {exc})",
        ) from exc
    arr = np.asarray(arr)
    if arr.dtype.kind not in "uif" or arr.dtype.itemsize > 4 or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or arr.shape[1:] != (hdr.rows, hdr.columns):
        raise PixelDecodeError(
            path, f"decoded pixels have shape {arr.shape}, expected {hdr.rows} x {hdr.columns}"
        )
    return arr


def decode_pixels(path: str) -> np.ndarray:
    """Raw stored values of every frame of one file, shape ``(frames, rows, cols)``.

    No modality rescale is applied. Compressed transfer syntaxes use whichever installed pydicom
    plugin succeeds (pylibjpeg, openjpeg, gdcm, pydicom's own RLE).

    Raises
    ------
    DicomLoadError
        A subclass naming the file: malformed, unsupported, too large or undecodable.
    """
    return _decode(path, read_dataset(path, pixels=True))


@dataclass(frozen=True)
class MultiFrame:
    """A decoded multi-frame image with per-frame geometry (patient mm) and rescale."""

    header: SliceHeader
    frames: np.ndarray
    positions_mm: tuple[tuple[float, float, float], ...] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing_mm: tuple[float, float] | None
    slice_thickness_mm: float | None
    spacing_between_slices_mm: float | None
    slopes: tuple[float, ...]
    intercepts: tuple[float, ...]
    frame_uids: tuple[str, ...]


def _group_item(groups: Dataset | None, seq_keyword: str) -> Dataset | None:
    if groups is None:
        return None
    seq = groups.get(seq_keyword)
    return seq[0] if seq else None


def load_multiframe(path: str) -> MultiFrame:
    """Decode a multi-frame file and read per-frame positions from the functional groups.

    Raises
    ------
    DicomLoadError
        A subclass naming the file.
    """
    ds = read_dataset(path, pixels=True)
    frames = _decode(path, ds)
    hdr = header_from_dataset(path, ds)
    try:
        n = frames.shape[0]
        shared_seq = ds.get("SharedFunctionalGroupsSequence")
        shared = shared_seq[0] if shared_seq else None
        per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
        pf: Sequence[Dataset | None] = list(per_frame) if len(per_frame) == n else [None] * n

        def lookup(i: int, seq: str, attr: str, top_level: bool = True) -> Any:
            for grp in (pf[i], shared):
                item = _group_item(grp, seq)
                if item is not None and attr in item:
                    return item.get(attr)
            return ds.get(attr) if top_level else None

        # Per-frame positions come only from the functional groups, or from an RT dose
        # GridFrameOffsetVector; a top-level ImagePositionPatient holds for frame 1 only.
        positions = [
            _floats(lookup(i, "PlanePositionSequence", "ImagePositionPatient", False), 3)
            for i in range(n)
        ]
        offsets = ds.get("GridFrameOffsetVector")
        ipp = _floats(ds.get("ImagePositionPatient"), 3)
        iop0 = _floats(ds.get("ImageOrientationPatient"), 6)
        if any(p is None for p in positions) and offsets is not None and ipp and iop0:
            normal = np.cross(iop0[:3], iop0[3:])
            offs = [float(o) for o in offsets]
            if len(offs) == n:
                positions = [tuple(float(v) for v in np.add(ipp, o * normal)) for o in offs]
        orients = {_floats(lookup(i, "PlaneOrientationSequence", "ImageOrientationPatient"), 6)
                   for i in range(n)}
        if len(orients) > 1:
            raise UnsupportedDicomError(path, "frames have different orientations")
        spacing = _floats(lookup(0, "PixelMeasuresSequence", "PixelSpacing"), 2)
        thickness = _float(lookup(0, "PixelMeasuresSequence", "SliceThickness"))
        between = _float(lookup(0, "PixelMeasuresSequence", "SpacingBetweenSlices"))
        slopes = tuple(
            _float(lookup(i, "PixelValueTransformationSequence", "RescaleSlope")) or 1.0
            for i in range(n)
        )
        intercepts = tuple(
            _float(lookup(i, "PixelValueTransformationSequence", "RescaleIntercept")) or 0.0
            for i in range(n)
        )
    except DicomLoadError:
        raise
    except Exception as exc:
        raise MalformedDicomError(
            path, f"cannot read frame geometry ({type(exc).__name__}: {exc})"
        ) from exc
    have_all = all(p is not None for p in positions)
    uid = hdr.sop_instance_uid
    return MultiFrame(
        header=hdr,
        frames=frames,
        positions_mm=tuple(p for p in positions if p is not None) if have_all else None,  # type: ignore[misc]
        orientation=orients.pop(),  # type: ignore[arg-type]
        pixel_spacing_mm=spacing,  # type: ignore[arg-type]
        slice_thickness_mm=thickness,
        spacing_between_slices_mm=between,
        slopes=slopes,
        intercepts=intercepts,
        frame_uids=tuple(f"{uid}#{i + 1}" for i in range(n)),
    )


def dicomdir_paths(
    path: str, *, on_problem: Callable[[str, str], None] | None = None
) -> list[str]:
    """Files referenced by a DICOMDIR (ReferencedFileID resolved against its folder).

    Raises
    ------
    NotDicomError, MalformedDicomError
        The DICOMDIR itself cannot be read.
    """
    try:
        ds = pydicom.dcmread(path)
    except InvalidDicomError as exc:
        raise NotDicomError(path, f"not a DICOMDIR ({exc})") from exc
    except Exception as exc:
        raise MalformedDicomError(path, f"cannot parse DICOMDIR ({exc})") from exc
    root = os.path.dirname(os.path.abspath(path))
    out: list[str] = []
    for rec in ds.get("DirectoryRecordSequence", []):
        ref = rec.get("ReferencedFileID")
        if not ref:
            continue
        parts = [str(p) for p in ref] if isinstance(ref, pydicom.multival.MultiValue) else [
            str(ref)
        ]
        full = os.path.join(root, *parts)
        if os.path.isfile(full):
            out.append(full)
        elif on_problem is not None:
            on_problem(full, "referenced by the DICOMDIR but missing")
    return out
