"""Load one DICOM series into a :class:`~viewer.dicom.volume.Volume`.

Fast path (uncompressed little-endian 16-bit greyscale, one frame per file): the header walker in
:mod:`viewer.dicom.header` records where Pixel Data starts, then each slice is ``readinto`` one
preallocated array, so peak memory is the volume itself. Anything else is decoded by pydicom
(:mod:`viewer.dicom.pydicom_io`; pylibjpeg, openjpeg, gdcm). Rescale slope/intercept is applied
in place: int16 Hounsfield units when slope is 1, the intercept an integer and the values fit,
float32 otherwise.

The loader is re-entrant and keeps no global state, so it can run in a worker thread.
"""

from __future__ import annotations

import mmap
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from viewer.dicom import pydicom_io
from viewer.dicom.errors import (
    DeclaredSizeError,
    DicomLoadError,
    LoadCancelled,
    MalformedDicomError,
    NotDicomError,
    SeriesError,
    UnsupportedDicomError,
)
from viewer.dicom.header import (
    FastHeaderTruncated,
    FastHeaderUnsupported,
    NotDicomFile,
    SliceHeader,
    read_fast_header,
)
from viewer.dicom.stacking import SliceGeometry, StackPlan, plan_stack
from viewer.dicom.volume import Volume

if TYPE_CHECKING:
    from viewer.dicom.discovery import SeriesInfo

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: work steps done (one per header read, one per slice read)."""
FirstSliceCallback = Callable[[int, np.ndarray], None]
"""``on_first_slice(k, slice)``: slice index and the rescaled middle slice ``[row, col]``."""

_INT16_MIN, _INT16_MAX = -32768, 32767
_HUGE_PAGE_MIN_BYTES = 8 * 1024 * 1024


def scan_header(path: str | os.PathLike[str]) -> SliceHeader:
    """Header of one file: the fast walker, or pydicom when the walker cannot handle it.

    Parameters
    ----------
    path
        Any file.

    Returns
    -------
    SliceHeader

    Raises
    ------
    NotDicomError
        Not a DICOM file.
    MalformedDicomError, UnsupportedDicomError
        DICOM that cannot be parsed.
    """
    spath = os.fspath(path)
    try:
        return read_fast_header(spath)
    except NotDicomFile:
        if not _may_be_raw_dataset(spath):
            raise NotDicomError(spath, "not a DICOM file (no DICM prefix)") from None
    except FastHeaderTruncated as exc:
        raise MalformedDicomError(spath, str(exc)) from None
    except FastHeaderUnsupported:
        pass
    except OSError as exc:
        raise MalformedDicomError(spath, f"cannot read file ({exc.strerror or exc})") from exc
    return pydicom_io.read_header(spath)


def _may_be_raw_dataset(path: str) -> bool:
    try:
        return pydicom_io._looks_like_raw_dataset(path)
    except OSError:
        return False


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise LoadCancelled(None, "loading cancelled")


def _paths_of(series_or_paths: SeriesInfo | Iterable[str | os.PathLike[str]]) -> list[str]:
    file_paths = getattr(series_or_paths, "file_paths", None)
    if file_paths is not None:
        return [os.fspath(p) for p in file_paths]
    if isinstance(series_or_paths, str | os.PathLike):
        return [os.fspath(series_or_paths)]
    return [os.fspath(p) for p in series_or_paths]  # type: ignore[union-attr]


def _raw_dtype(hdr: SliceHeader) -> np.dtype:
    signed = hdr.pixel_representation == 1
    if hdr.bits_allocated == 16:
        return np.dtype("<i2" if signed else "<u2")
    if hdr.bits_allocated in (1, 8):
        return np.dtype(np.int8 if signed and hdr.bits_allocated == 8 else np.uint8)
    if hdr.bits_allocated == 32:
        return np.dtype("<i4" if signed else "<u4")
    return np.dtype(np.float32)


def _geometry(hdr: SliceHeader) -> SliceGeometry:
    return SliceGeometry(
        name=hdr.path,
        position_mm=hdr.image_position_mm,
        orientation=hdr.image_orientation,
        pixel_spacing_mm=hdr.pixel_spacing_mm,
        slice_thickness_mm=hdr.slice_thickness_mm,
    )


def _check_consistent(headers: Sequence[SliceHeader]) -> None:
    first = headers[0]
    for hdr in headers:
        if hdr.samples_per_pixel != 1:
            raise UnsupportedDicomError(
                hdr.path,
                f"colour image ({hdr.samples_per_pixel} samples per pixel) is not supported",
            )
    for attr, label in (
        ("series_instance_uid", "SeriesInstanceUID"),
        ("rows", "Rows"),
        ("columns", "Columns"),
        ("bits_allocated", "BitsAllocated"),
        ("pixel_representation", "PixelRepresentation"),
    ):
        for hdr in headers[1:]:
            if getattr(hdr, attr) != getattr(first, attr):
                raise SeriesError(
                    None,
                    f"mixed {label}: {os.path.basename(first.path)} has "
                    f"{getattr(first, attr)!r}, {os.path.basename(hdr.path)} has "
                    f"{getattr(hdr, attr)!r}; cannot present the files as one volume",
                )


def _read_fast(hdr: SliceHeader, out: np.ndarray) -> None:
    """``readinto`` one slice of uncompressed 16-bit pixels straight into ``out``."""
    view = out.data.cast("B")
    try:
        with open(hdr.path, "rb", buffering=0) as fp:
            fp.seek(hdr.pixel_offset or 0)
            got = fp.readinto(view)
    except OSError as exc:
        raise MalformedDicomError(hdr.path, f"cannot read pixel data ({exc})") from exc
    if got != out.nbytes:
        raise MalformedDicomError(
            hdr.path, f"pixel data truncated: {got} of {out.nbytes} bytes present"
        )
    if hdr.pixel_representation == 1 and hdr.bits_stored < 16:
        shift = 16 - hdr.bits_stored  # sign-extend from BitsStored, as pydicom does
        np.left_shift(out, shift, out=out)
        np.right_shift(out, shift, out=out)


def _read_slow(hdr: SliceHeader, out: np.ndarray) -> None:
    arr = pydicom_io.decode_pixels(hdr.path)
    if arr.shape[0] != 1 or arr.shape[1:] != out.shape:
        raise SeriesError(None, f"{hdr.path}: decoded shape {arr.shape} does not fit the series")
    frame = arr[0]
    if frame.dtype != out.dtype:
        if frame.dtype.kind == "f" or out.dtype.kind == "f":
            out[...] = frame
        else:
            info = np.iinfo(out.dtype)
            if frame.size and (frame.min() < info.min or frame.max() > info.max):
                raise SeriesError(
                    None, f"{hdr.path}: decoded pixel values do not fit {out.dtype}"
                )
            out[...] = frame
    else:
        out[...] = frame


def _fits_int16(
    raw: np.ndarray, slopes: Sequence[float], intercepts: Sequence[float],
    mins: np.ndarray, maxs: np.ndarray,
) -> bool:
    if raw.dtype.kind not in "iu" or raw.dtype.itemsize > 2:
        return False
    if any(s != 1.0 for s in slopes) or any(float(c) != int(c) for c in intercepts):
        return False
    c = np.asarray(intercepts, dtype=np.int64)
    return bool(np.all(mins + c >= _INT16_MIN) and np.all(maxs + c <= _INT16_MAX))


def rescale_in_place(
    raw: np.ndarray,
    slopes: Sequence[float],
    intercepts: Sequence[float],
    mins: np.ndarray | None = None,
    maxs: np.ndarray | None = None,
) -> np.ndarray:
    """Apply per-slice modality rescale (``value * slope + intercept``) to a stack.

    Parameters
    ----------
    raw
        Stored values, shape ``(slices, rows, cols)``; reused as the output when possible.
    slopes, intercepts
        RescaleSlope and RescaleIntercept (0028,1053)/(0028,1052) of each slice.
    mins, maxs
        Per-slice minimum and maximum of ``raw`` if already known.

    Returns
    -------
    numpy.ndarray
        int16 (in place for 16-bit input: no copy) when every slope is 1, every intercept an
        integer and the results fit; float32 otherwise. Never float64.
    """
    if raw.size == 0:
        return raw.astype(np.int16)
    if mins is None or maxs is None:
        flat = raw.reshape(raw.shape[0], -1)
        mins, maxs = flat.min(axis=1).astype(np.int64), flat.max(axis=1).astype(np.int64)
    if _fits_int16(raw, slopes, intercepts, mins, maxs):
        # Modular int16 arithmetic is exact whenever the true result fits in int16.
        vol = raw.view(np.int16) if raw.dtype.itemsize == 2 else raw.astype(np.int16)
        if len(set(intercepts)) == 1:
            if intercepts[0] != 0:
                vol += np.int16(int(intercepts[0]))
        else:
            for k, c in enumerate(intercepts):
                if c:
                    vol[k] += np.int16(int(c))
        return vol
    vol = allocate_volume(raw.shape, np.float32)
    for k in range(raw.shape[0]):
        np.multiply(raw[k], slopes[k], out=vol[k], dtype=np.float32, casting="unsafe")
        vol[k] += np.float32(intercepts[k])
    return vol


def _volume(
    voxels: np.ndarray, plan: StackPlan, uids: Sequence[str], first: SliceHeader,
    extra_warnings: Sequence[str] = (),
) -> Volume:
    return Volume(
        voxels=voxels,
        spacing_mm=plan.spacing_mm,
        origin_mm=plan.origin_mm,
        col_dir=plan.col_dir,
        row_dir=plan.row_dir,
        slice_dir=plan.slice_dir,
        sop_instance_uids=tuple(uids),
        series_instance_uid=first.series_instance_uid,
        study_instance_uid=first.study_instance_uid,
        frame_of_reference_uid=first.frame_of_reference_uid,
        modality=first.modality,
        series_description=first.series_description,
        series_number=first.series_number,
        warnings=tuple(plan.warnings) + tuple(extra_warnings),
    )


def load_series(
    series_or_paths: SeriesInfo | Iterable[str | os.PathLike[str]],
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    on_first_slice: FirstSliceCallback | None = None,
) -> Volume:
    """Load a series (single-frame files or one multi-frame file) as one volume.

    Parameters
    ----------
    series_or_paths
        A :class:`~viewer.dicom.discovery.SeriesInfo` or the file paths (any order).
    progress
        Called as ``progress(done, total)`` after each header and each slice; ``total`` is twice
        the number of files for single-frame series.
    cancel
        When set (from any thread), loading stops at the next file and raises
        :class:`LoadCancelled`.
    on_first_slice
        Called once as ``on_first_slice(k, slice)`` with the middle slice (index ``k`` of the
        sorted volume, rescaled to output units) right after the header scan, before the other
        slices are read. The array is a copy the callee may keep.

    Returns
    -------
    Volume
        ``voxels[slice, row, col]`` in rescaled units (HU for CT): int16 where it fits, else
        float32. Sorted along the slice normal; gaps, duplicates and assumptions are listed in
        ``Volume.warnings``.

    Raises
    ------
    DicomLoadError
        Always one of its subclasses, naming the file and the problem: :class:`SeriesError`
        (mixed sizes/orientation, no files), :class:`LoadCancelled`,
        :class:`DeclaredSizeError`, :class:`NotDicomError`, :class:`MalformedDicomError`,
        :class:`UnsupportedDicomError`, :class:`PixelDecodeError`.
    """
    paths = _paths_of(series_or_paths)
    if not paths:
        raise SeriesError(None, "no files to load")
    try:
        return _load(paths, progress, cancel, on_first_slice)
    except DicomLoadError:
        raise
    except MemoryError as exc:
        raise DeclaredSizeError(None, f"not enough memory to load {len(paths)} file(s)") from exc
    except Exception as exc:  # a bug or an exotic file: still one error type for the caller
        where = paths[0] if len(paths) == 1 else f"series of {len(paths)} files from {paths[0]}"
        raise MalformedDicomError(where, f"unexpected {type(exc).__name__}: {exc}") from exc


def _load(
    paths: list[str],
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    on_first_slice: FirstSliceCallback | None,
) -> Volume:
    total = 2 * len(paths)
    headers: list[SliceHeader] = []
    for i, p in enumerate(paths):
        _check_cancel(cancel)
        headers.append(scan_header(p))
        if progress is not None:
            progress(i + 1, total)
    for hdr in headers:
        present: int | None = None
        if hdr.pixel_offset is not None:
            present = hdr.file_size - hdr.pixel_offset
            if hdr.pixel_length is not None:
                present = min(present, hdr.pixel_length)
        pydicom_io.check_declared_size(hdr, pixel_bytes=present)
    if any(hdr.number_of_frames > 1 for hdr in headers):
        if len(headers) != 1:
            multi = next(h for h in headers if h.number_of_frames > 1)
            raise SeriesError(
                None,
                f"{multi.path} is a multi-frame image among {len(headers)} files; "
                "load a multi-frame image on its own",
            )
        return _load_multiframe(headers[0], progress, cancel, on_first_slice)
    _check_consistent(headers)
    plan = plan_stack([_geometry(h) for h in headers])
    ordered = [headers[i] for i in plan.order]
    first = ordered[0]
    n, rows, cols = len(ordered), first.rows, first.columns
    dtype = _raw_dtype(first)
    if n * rows * cols * dtype.itemsize > pydicom_io.MAX_PIXEL_BYTES:
        raise DeclaredSizeError(
            None, f"series of {n} x {rows} x {cols} pixels exceeds the memory limit"
        )
    raw = allocate_volume((n, rows, cols), dtype)
    slopes = [h.rescale_slope for h in ordered]
    intercepts = [h.rescale_intercept for h in ordered]
    fast_ok = dtype.itemsize == 2
    # int16 output: the intercept is added slice by slice while the slice is cache-hot.
    int_route = (
        dtype.kind in "iu" and dtype.itemsize == 2
        and all(sl == 1.0 for sl in slopes)
        and all(float(c).is_integer() for c in intercepts)
    )
    shifted: list[int] = []
    mid = n // 2
    done = len(paths)
    for step, k in enumerate([mid, *range(mid), *range(mid + 1, n)]):
        _check_cancel(cancel)
        hdr = ordered[k]
        if fast_ok and hdr.fast_readable:
            _read_fast(hdr, raw[k])
        else:
            _read_slow(hdr, raw[k])
        if int_route:
            if _slice_fits_int16(raw[k], int(intercepts[k])):
                if intercepts[k]:
                    hu = raw[k].view(np.int16)
                    np.add(hu, np.int16(int(intercepts[k])), out=hu)  # modular, exact if fits
                shifted.append(k)
            else:
                int_route = False
        if step == 0 and on_first_slice is not None:
            if int_route:
                first_hu = raw[k].view(np.int16).copy()
            else:
                first_hu = rescale_in_place(
                    raw[k : k + 1].copy(), slopes[k : k + 1], intercepts[k : k + 1]
                )[0]
            on_first_slice(k, first_hu)
        done += 1
        if progress is not None:
            progress(done, total)
    if int_route:
        voxels = raw.view(np.int16)
    else:
        for k in shifted:  # undo, then rescale everything to float32
            hu = raw[k].view(np.int16)
            np.subtract(hu, np.int16(int(intercepts[k])), out=hu)
        voxels = rescale_in_place(raw, slopes, intercepts)
    del raw
    return _volume(voxels, plan, [h.sop_instance_uid for h in ordered], first)


def _slice_fits_int16(stored: np.ndarray, intercept: int) -> bool:
    """True if ``stored + intercept`` fits int16 (one reduction over the slice at most)."""
    if stored.dtype.kind == "i":
        if intercept < 0 and int(stored.min()) < _INT16_MIN - intercept:
            return False
        return not (intercept > 0 and int(stored.max()) > _INT16_MAX - intercept)
    if int(stored.max()) > _INT16_MAX - intercept:
        return False
    return not (intercept < _INT16_MIN and int(stored.min()) < _INT16_MIN - intercept)


def allocate_volume(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """Uninitialised array for a volume.

    On Linux a large array is an anonymous mapping advised for transparent huge pages: touching
    150 MiB then costs about 20 ms instead of up to 300 ms of 4 KiB page faults on this kind of
    VM (``tech-notes.md`` section 10). Elsewhere, or if that fails, ``numpy.empty``.
    """
    dt = np.dtype(dtype)
    count = int(np.prod(shape))
    nbytes = count * dt.itemsize
    if nbytes >= _HUGE_PAGE_MIN_BYTES and hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            mm = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            mm.madvise(mmap.MADV_HUGEPAGE)
            return np.frombuffer(mm, dtype=dt, count=count).reshape(shape)
        except (OSError, ValueError):
            pass
    return np.empty(shape, dtype=dt)


def _load_multiframe(
    hdr: SliceHeader,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    on_first_slice: FirstSliceCallback | None,
) -> Volume:
    mf = pydicom_io.load_multiframe(hdr.path)
    _check_cancel(cancel)
    n = mf.frames.shape[0]
    geoms = [
        SliceGeometry(
            name=f"{hdr.path} frame {i + 1}",
            position_mm=None if mf.positions_mm is None else mf.positions_mm[i],
            orientation=mf.orientation,
            pixel_spacing_mm=mf.pixel_spacing_mm,
            slice_thickness_mm=mf.slice_thickness_mm,
        )
        for i in range(n)
    ]
    assumed = mf.spacing_between_slices_mm or mf.slice_thickness_mm or 1.0
    plan = plan_stack(geoms, assumed_spacing_mm=assumed if mf.positions_mm is None else None)
    order = list(plan.order)
    raw = mf.frames if order == list(range(n)) else mf.frames[order]
    voxels = rescale_in_place(
        raw, [mf.slopes[i] for i in order], [mf.intercepts[i] for i in order]
    )
    mid = len(order) // 2
    if on_first_slice is not None:
        on_first_slice(mid, voxels[mid].copy())
    if progress is not None:
        progress(2, 2)
    return _volume(voxels, plan, [mf.frame_uids[i] for i in order], mf.header)
