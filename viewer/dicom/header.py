"""Fast DICOM header walker: typed slice headers without building pydicom datasets.

The walker reads the start of a file, walks the data elements with ``struct.unpack_from`` (Explicit
or Implicit VR Little Endian data sets, which includes the data set encoding of every compressed
transfer syntax), keeps the few attributes the viewer needs and stops at Pixel Data (7FE0,0010),
recording its byte offset and length. Sequences are skipped, whether of defined or undefined
length. Anything it does not understand raises :class:`FastHeaderUnsupported`, and the caller
falls back to pydicom (see ``tech-notes.md`` section 3, "Fastest correct recipe").
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
IMPLICIT_VR_LE = "1.2.840.10008.1.2"
UNCOMPRESSED_LE = frozenset({EXPLICIT_VR_LE, IMPLICIT_VR_LE})
_ENCAPSULATED_PREFIXES = ("1.2.840.10008.1.2.4.", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.8.")

_CHUNK_BYTES = 8192
_UNDEFINED = 0xFFFFFFFF
_ITEM = 0xFFFEE000
_ITEM_DELIM = 0xFFFEE00D
_SEQ_DELIM = 0xFFFEE0DD
_PIXEL_DATA = 0x7FE00010
_MAX_DEPTH = 32
_EXPLICIT = struct.Struct("<HH2sH")
_IMPLICIT = struct.Struct("<HHI")
_U32 = struct.Struct("<I")
_LONG_VRS = frozenset(
    {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"}
)

# Attribute tags kept by the walker (group << 16 | element).
SPECIFIC_CHARACTER_SET = 0x00080005
IMAGE_TYPE = 0x00080008
SOP_CLASS_UID = 0x00080016
SOP_INSTANCE_UID = 0x00080018
STUDY_DATE = 0x00080020
SERIES_DATE = 0x00080021
ACQUISITION_DATE = 0x00080022
STUDY_TIME = 0x00080030
SERIES_TIME = 0x00080031
ACQUISITION_TIME = 0x00080032
MODALITY = 0x00080060
STUDY_DESCRIPTION = 0x00081030
SERIES_DESCRIPTION = 0x0008103E
PATIENT_NAME = 0x00100010
PATIENT_ID = 0x00100020
CONTRAST_BOLUS_AGENT = 0x00180010
SLICE_THICKNESS = 0x00180050
CONTRAST_BOLUS_ROUTE = 0x00181040
CONTRAST_BOLUS_VOLUME = 0x00181041
CONTRAST_BOLUS_START_TIME = 0x00181042
CONTRAST_BOLUS_STOP_TIME = 0x00181043
STUDY_INSTANCE_UID = 0x0020000D
SERIES_INSTANCE_UID = 0x0020000E
SERIES_NUMBER = 0x00200011
INSTANCE_NUMBER = 0x00200013
IMAGE_POSITION_PATIENT = 0x00200032
IMAGE_ORIENTATION_PATIENT = 0x00200037
FRAME_OF_REFERENCE_UID = 0x00200052
SAMPLES_PER_PIXEL = 0x00280002
PHOTOMETRIC_INTERPRETATION = 0x00280004
NUMBER_OF_FRAMES = 0x00280008
ROWS = 0x00280010
COLUMNS = 0x00280011
PIXEL_SPACING = 0x00280030
BITS_ALLOCATED = 0x00280100
BITS_STORED = 0x00280101
PIXEL_REPRESENTATION = 0x00280103
RESCALE_INTERCEPT = 0x00281052
RESCALE_SLOPE = 0x00281053
WANTED_TAGS = frozenset(
    v
    for k, v in dict(globals()).items()
    if k.isupper() and not k.startswith("_") and isinstance(v, int) and v > 0xFFFF
)
_US_TAGS = frozenset(
    {SAMPLES_PER_PIXEL, ROWS, COLUMNS, BITS_ALLOCATED, BITS_STORED, PIXEL_REPRESENTATION}
)


@dataclass(frozen=True, slots=True)
class SliceHeader:
    """Typed header of one DICOM file: what discovery, sorting and loading need.

    Lengths are in mm, ``pixel_offset``/``pixel_length`` in bytes from the start of the file.
    ``pixel_length`` is ``None`` for encapsulated (compressed) Pixel Data, and both are ``None``
    when the header came from pydicom or the file has no Pixel Data (``has_pixels``).
    """

    path: str
    transfer_syntax_uid: str
    sop_class_uid: str = ""
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""
    frame_of_reference_uid: str = ""
    modality: str = ""
    series_description: str = ""
    study_description: str = ""
    patient_name: str = ""
    patient_id: str = ""
    image_type: tuple[str, ...] = ()
    series_number: int | None = None
    instance_number: int | None = None
    study_date: str = ""
    study_time: str = ""
    series_date: str = ""
    series_time: str = ""
    acquisition_date: str = ""
    acquisition_time: str = ""
    contrast_bolus_agent: str = ""
    contrast_bolus_route: str = ""
    contrast_bolus_volume_ml: float | None = None
    contrast_bolus_start_time: str = ""
    contrast_bolus_stop_time: str = ""
    image_position_mm: tuple[float, float, float] | None = None
    image_orientation: tuple[float, float, float, float, float, float] | None = None
    pixel_spacing_mm: tuple[float, float] | None = None
    slice_thickness_mm: float | None = None
    rows: int = 0
    columns: int = 0
    number_of_frames: int = 1
    samples_per_pixel: int = 1
    photometric_interpretation: str = ""
    bits_allocated: int = 0
    bits_stored: int = 0
    pixel_representation: int = 0
    rescale_slope: float = 1.0
    rescale_intercept: float = 0.0
    has_pixels: bool = False
    pixel_offset: int | None = None
    pixel_length: int | None = None
    file_size: int = 0

    @property
    def declared_pixel_bytes(self) -> int:
        """Bytes the declared Rows x Columns x frames x samples x BitsAllocated need."""
        bits = self.rows * self.columns * self.number_of_frames * self.samples_per_pixel
        return (bits * self.bits_allocated + 7) // 8

    @property
    def fast_readable(self) -> bool:
        """True when the pixels can be copied straight from the file (no decoder needed)."""
        return (
            self.pixel_offset is not None
            and self.pixel_length is not None
            and self.transfer_syntax_uid in UNCOMPRESSED_LE
            and self.bits_allocated == 16
            and self.samples_per_pixel == 1
            and self.number_of_frames == 1
            and self.photometric_interpretation in ("MONOCHROME1", "MONOCHROME2")
            and 1 <= self.bits_stored <= 16
            and self.rows > 0
            and self.columns > 0
            and self.pixel_length >= self.declared_pixel_bytes
            and self.pixel_offset + self.declared_pixel_bytes <= self.file_size
        )


class FastHeaderUnsupported(Exception):
    """The fast walker cannot handle this file; fall back to pydicom."""


class FastHeaderTruncated(FastHeaderUnsupported):
    """An element runs past the end of the file: the file is truncated."""


class NotDicomFile(Exception):
    """No ``DICM`` prefix at byte 128."""


class _Reader:
    """Forward-only random access over a file, reading in chunks."""

    def __init__(self, fp: BinaryIO, size: int) -> None:
        self.fp = fp
        self.size = size
        self.base = 0
        self.data = fp.read(_CHUNK_BYTES)

    def need(self, pos: int, n: int) -> bytes:
        if pos + n > self.size:
            raise FastHeaderTruncated(
                f"truncated: element at byte {pos} needs {n} bytes, the file has {self.size}"
            )
        end = self.base + len(self.data)
        if pos < self.base or pos + n > end:
            self.fp.seek(pos)
            self.data = self.fp.read(max(n, _CHUNK_BYTES))
            self.base = pos
        return self.data


def _text(raw: bytes) -> str:
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        s = raw.decode("latin-1")
    return s.strip(" \x00")


def _numbers(raw: bytes) -> list[float]:
    return [float(p) for p in _text(raw).split("\\") if p.strip()]


class _Walker:
    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.values: dict[int, bytes] = {}
        self.pixel_offset: int | None = None
        self.pixel_length: int | None = None

    def element(self, pos: int, explicit: bool) -> tuple[int, bytes | None, int, int]:
        """Return (tag, vr, value length, value position) of the element at ``pos``."""
        d = self.r.need(pos, 8)
        p = pos - self.r.base
        group, elem = struct.unpack_from("<HH", d, p)
        tag = group << 16 | elem
        if group == 0xFFFE or not explicit:
            return tag, None, struct.unpack_from("<I", d, p + 4)[0], pos + 8
        vr = bytes(d[p + 4 : p + 6])
        if vr in _LONG_VRS:
            d = self.r.need(pos, 12)
            p = pos - self.r.base
            return tag, vr, struct.unpack_from("<I", d, p + 8)[0], pos + 12
        if not (65 <= vr[0] <= 90 and 65 <= vr[1] <= 90):
            raise FastHeaderUnsupported(f"invalid VR {vr!r} at byte {pos}")
        return tag, vr, struct.unpack_from("<H", d, p + 6)[0], pos + 8

    def walk(self, pos: int, explicit: bool, depth: int) -> int:
        """Walk elements from ``pos``; top level (depth 0) stops at Pixel Data or end of file.

        Nested levels return just after the Item Delimitation Item. This loop is the hot path
        of series loading (about 65 elements per CT file), hence the inlined buffer handling.
        """
        if depth > _MAX_DEPTH:
            raise FastHeaderUnsupported("sequences nested too deeply")
        r = self.r
        size = r.size
        values = self.values
        top = depth == 0
        data, base = r.data, r.base
        end = base + len(data)
        while pos < size:
            if pos + 12 > end:
                if pos + 8 > size:
                    if top:
                        raise FastHeaderUnsupported(f"{size - pos} stray bytes at end of file")
                    raise FastHeaderTruncated("truncated: file ends inside a sequence")
                data = r.need(pos, min(12, size - pos))
                base = r.base
                end = base + len(data)
            p = pos - base
            vr: bytes | None = None
            if explicit:
                group, elem, vr, length = _EXPLICIT.unpack_from(data, p)
                if group == 0xFFFE:
                    length = _U32.unpack_from(data, p + 4)[0]
                    vr = None
                    vpos = pos + 8
                elif vr in _LONG_VRS:
                    if pos + 12 > size:
                        raise FastHeaderTruncated("truncated: file ends inside an element")
                    length = _U32.unpack_from(data, p + 8)[0]
                    vpos = pos + 12
                else:
                    if not (65 <= vr[0] <= 90 and 65 <= vr[1] <= 90):
                        raise FastHeaderUnsupported(f"invalid VR {vr!r} at byte {pos}")
                    vpos = pos + 8
            else:
                group, elem, length = _IMPLICIT.unpack_from(data, p)
                vpos = pos + 8
            tag = group << 16 | elem
            if tag == _ITEM_DELIM and not top:
                return vpos
            if tag == _PIXEL_DATA and top:
                self.pixel_offset = vpos
                self.pixel_length = None if length == _UNDEFINED else length
                return vpos
            if length == _UNDEFINED:
                if vr is not None and vr != b"SQ":
                    raise FastHeaderUnsupported(f"undefined length {vr!r} element at {pos}")
                pos = self.skip_sequence(vpos, explicit, depth + 1)
                data, base = r.data, r.base
                end = base + len(data)
                continue
            if top and tag in WANTED_TAGS:
                if vpos + length > end:
                    data = r.need(vpos, length)
                    base = r.base
                    end = base + len(data)
                values[tag] = bytes(data[vpos - base : vpos - base + length])
            pos = vpos + length
        if not top or pos > size:
            raise FastHeaderTruncated(f"truncated: file ends inside an element ({size} bytes)")
        return pos

    def skip_sequence(self, pos: int, explicit: bool, depth: int) -> int:
        while True:
            tag, _vr, length, vpos = self.element(pos, False)
            if tag == _SEQ_DELIM:
                return vpos
            if tag != _ITEM:
                raise FastHeaderUnsupported(f"expected a sequence item at byte {pos}")
            pos = self.walk(vpos, explicit, depth) if length == _UNDEFINED else vpos + length


def read_fast_header(path: str | os.PathLike[str]) -> SliceHeader:
    """Read the header of one DICOM file with the fast walker.

    Parameters
    ----------
    path
        A DICOM Part 10 file (128-byte preamble and ``DICM``).

    Returns
    -------
    SliceHeader

    Raises
    ------
    NotDicomFile
        No ``DICM`` prefix: not a Part 10 file.
    FastHeaderUnsupported
        Anything else the walker does not handle (big endian, deflate, corrupt or truncated
        elements); the caller should try pydicom.
    OSError
        The file cannot be read.
    """
    spath = os.fspath(path)
    with open(spath, "rb") as fp:
        size = os.fstat(fp.fileno()).st_size
        r = _Reader(fp, size)
        if len(r.data) < 132 or r.data[128:132] != b"DICM":
            raise NotDicomFile(spath)
        w = _Walker(r)
        # File meta group 0002 is always Explicit VR Little Endian.
        pos = 132
        meta: dict[int, bytes] = {}
        while pos + 8 <= size:
            d = r.need(pos, 8)
            if struct.unpack_from("<H", d, pos - r.base)[0] != 0x0002:
                break
            tag, _vr, length, vpos = w.element(pos, True)
            if length == _UNDEFINED:
                raise FastHeaderUnsupported("undefined length in the file meta information")
            d = r.need(vpos, length)
            meta[tag] = bytes(d[vpos - r.base : vpos - r.base + length])
            pos = vpos + length
        ts = _text(meta.get(0x00020010, b""))
        if ts == IMPLICIT_VR_LE:
            explicit = False
        elif ts == EXPLICIT_VR_LE or ts.startswith(_ENCAPSULATED_PREFIXES):
            explicit = True
        else:
            raise FastHeaderUnsupported(f"transfer syntax {ts or '(missing)'}")
        w.walk(pos, explicit, 0)
    return _header_from_values(spath, ts, w.values, w.pixel_offset, w.pixel_length, size)


def _header_from_values(
    path: str,
    ts: str,
    v: dict[int, bytes],
    pixel_offset: int | None,
    pixel_length: int | None,
    size: int,
) -> SliceHeader:
    def s(tag: int) -> str:
        return _text(v.get(tag, b""))

    def us(tag: int, default: int) -> int:
        raw = v.get(tag)
        if raw is None or len(raw) < 2:
            return default
        return int(struct.unpack_from("<H", raw)[0])

    def numbers(tag: int) -> list[float] | None:
        raw = v.get(tag)
        if raw is None:
            return None
        try:
            return _numbers(raw)
        except ValueError:
            raise FastHeaderUnsupported(
                f"bad number in ({tag >> 16:04X},{tag & 0xFFFF:04X})"
            ) from None

    def nums(tag: int, count: int) -> tuple[float, ...] | None:
        vals = numbers(tag)
        return tuple(vals) if vals is not None and len(vals) == count else None

    def one(tag: int) -> float | None:
        vals = numbers(tag)
        return vals[0] if vals else None

    def integer(tag: int) -> int | None:
        f = one(tag)
        return None if f is None else int(f)

    frames = integer(NUMBER_OF_FRAMES)
    slope = one(RESCALE_SLOPE)
    intercept = one(RESCALE_INTERCEPT)
    ipp = nums(IMAGE_POSITION_PATIENT, 3)
    iop = nums(IMAGE_ORIENTATION_PATIENT, 6)
    ps = nums(PIXEL_SPACING, 2)
    return SliceHeader(
        path=path,
        transfer_syntax_uid=ts,
        sop_class_uid=s(SOP_CLASS_UID),
        sop_instance_uid=s(SOP_INSTANCE_UID),
        study_instance_uid=s(STUDY_INSTANCE_UID),
        series_instance_uid=s(SERIES_INSTANCE_UID),
        frame_of_reference_uid=s(FRAME_OF_REFERENCE_UID),
        modality=s(MODALITY),
        series_description=s(SERIES_DESCRIPTION),
        study_description=s(STUDY_DESCRIPTION),
        patient_name=s(PATIENT_NAME),
        patient_id=s(PATIENT_ID),
        image_type=tuple(p.strip() for p in s(IMAGE_TYPE).split("\\") if p.strip()),
        series_number=integer(SERIES_NUMBER),
        instance_number=integer(INSTANCE_NUMBER),
        study_date=s(STUDY_DATE),
        study_time=s(STUDY_TIME),
        series_date=s(SERIES_DATE),
        series_time=s(SERIES_TIME),
        acquisition_date=s(ACQUISITION_DATE),
        acquisition_time=s(ACQUISITION_TIME),
        contrast_bolus_agent=s(CONTRAST_BOLUS_AGENT),
        contrast_bolus_route=s(CONTRAST_BOLUS_ROUTE),
        contrast_bolus_volume_ml=one(CONTRAST_BOLUS_VOLUME),
        contrast_bolus_start_time=s(CONTRAST_BOLUS_START_TIME),
        contrast_bolus_stop_time=s(CONTRAST_BOLUS_STOP_TIME),
        image_position_mm=ipp,  # type: ignore[arg-type]
        image_orientation=iop,  # type: ignore[arg-type]
        pixel_spacing_mm=ps,  # type: ignore[arg-type]
        slice_thickness_mm=one(SLICE_THICKNESS),
        rows=us(ROWS, 0),
        columns=us(COLUMNS, 0),
        number_of_frames=frames if frames is not None and frames > 0 else 1,
        samples_per_pixel=us(SAMPLES_PER_PIXEL, 1),
        photometric_interpretation=s(PHOTOMETRIC_INTERPRETATION).upper(),
        bits_allocated=us(BITS_ALLOCATED, 0),
        bits_stored=us(BITS_STORED, 0),
        pixel_representation=us(PIXEL_REPRESENTATION, 0),
        rescale_slope=1.0 if slope is None else slope,
        rescale_intercept=0.0 if intercept is None else intercept,
        has_pixels=pixel_offset is not None,
        pixel_offset=pixel_offset,
        pixel_length=pixel_length,
        file_size=size,
    )
