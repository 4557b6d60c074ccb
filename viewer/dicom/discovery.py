"""Find image series in a folder tree or a DICOMDIR, cheaply (headers only).

Files are grouped by (StudyInstanceUID, SeriesInstanceUID). Non-DICOM files are skipped silently;
DICOM files that cannot be read are reported as :class:`FileProblem` entries, never raised.
Each series gets a contrast :class:`~viewer.dicom.phase.PhaseLabel`.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from viewer.dicom import pydicom_io
from viewer.dicom.errors import DicomLoadError, LoadCancelled, NotDicomError
from viewer.dicom.header import SliceHeader
from viewer.dicom.loader import scan_header
from viewer.dicom.phase import Phase, PhaseEvidence, PhaseLabel, label_phases, parse_dicom_datetime


@dataclass(frozen=True)
class FileProblem:
    """A DICOM file that could not be read during discovery, with the reason in plain text."""

    path: str
    reason: str


@dataclass(frozen=True)
class ContrastInfo:
    """Contrast/bolus module attributes (0018,0010) and (0018,104x) of a series."""

    agent: str = ""
    route: str = ""
    volume_ml: float | None = None
    start_time: str = ""
    stop_time: str = ""

    @property
    def given(self) -> bool:
        """True when any contrast attribute is filled in."""
        return bool(self.agent or self.start_time or self.volume_ml)


@dataclass(frozen=True)
class SeriesInfo:
    """One image series found on disk. ``file_paths`` are sorted along the slice normal."""

    study_instance_uid: str
    series_instance_uid: str
    modality: str
    series_description: str
    series_number: int | None
    number_of_files: int
    file_paths: tuple[str, ...]
    patient_name: str = ""
    patient_id: str = ""
    study_description: str = ""
    study_date: str = ""
    frame_of_reference_uid: str = ""
    rows: int = 0
    columns: int = 0
    number_of_frames: int = 0
    """Total images: files, or frames of a multi-frame file."""
    acquisition_datetime: datetime | None = None
    """Earliest AcquisitionDate/Time of the series (date 1900-01-01 when absent)."""
    series_datetime: datetime | None = None
    contrast: ContrastInfo = field(default_factory=ContrastInfo)
    phase: PhaseLabel = field(
        default_factory=lambda: PhaseLabel(Phase.UNKNOWN, 0.0, "not labelled")
    )

    def with_phase_override(self, phase: Phase | str) -> SeriesInfo:
        """A copy whose phase was set by the user."""
        return dataclasses.replace(self, phase=self.phase.with_override(phase))


@dataclass(frozen=True)
class ScanResult:
    """Series found and files that could not be read."""

    series: tuple[SeriesInfo, ...]
    problems: tuple[FileProblem, ...]


def _walk_files(root: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def _is_dicomdir(path: str) -> bool:
    return os.path.basename(path).upper().startswith("DICOMDIR")


def scan_folder(
    path: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> ScanResult:
    """Find the image series under ``path`` (a folder, a DICOMDIR or one file).

    Parameters
    ----------
    path
        Folder walked recursively, a DICOMDIR file (its referenced files are scanned), or a
        single file.
    progress
        ``progress(done, total)`` in files.
    cancel
        Raises :class:`LoadCancelled` when set.

    Returns
    -------
    ScanResult
        Series sorted by study, then series number; problems in file order.
    """
    root = os.fspath(path)
    problems: list[FileProblem] = []
    if os.path.isdir(root):
        files = [f for f in _walk_files(root) if not _is_dicomdir(f)]
    elif _is_dicomdir(root):
        try:
            files = pydicom_io.dicomdir_paths(
                root, on_problem=lambda p, r: problems.append(FileProblem(p, r))
            )
        except DicomLoadError as exc:
            return ScanResult((), (FileProblem(root, exc.reason),))
    elif os.path.isfile(root):
        files = [root]
    else:
        return ScanResult((), (FileProblem(root, "no such file or folder"),))
    headers: list[SliceHeader] = []
    for i, f in enumerate(files):
        if cancel is not None and cancel.is_set():
            raise LoadCancelled(root, "scan cancelled")
        try:
            hdr = scan_header(f)
        except NotDicomError:
            pass
        except DicomLoadError as exc:
            problems.append(FileProblem(f, exc.reason))
        else:
            if hdr.has_pixels and hdr.rows > 0 and hdr.columns > 0:
                headers.append(hdr)
        if progress is not None:
            progress(i + 1, len(files))
    return ScanResult(_group(headers), tuple(problems))


def find_series(
    path: str | os.PathLike[str],
    *,
    problems: list[FileProblem] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[SeriesInfo]:
    """Find image series under a folder tree or in a DICOMDIR (headers only).

    Parameters
    ----------
    path
        Folder, DICOMDIR or single file.
    problems
        If given, unreadable DICOM files are appended to it as :class:`FileProblem`.
    progress, cancel
        As for :func:`scan_folder`.

    Returns
    -------
    list of SeriesInfo
    """
    result = scan_folder(path, progress=progress, cancel=cancel)
    if problems is not None:
        problems.extend(result.problems)
    return list(result.series)


def _sort_key(hdr: SliceHeader) -> float:
    if hdr.image_position_mm is None or hdr.image_orientation is None:
        return float(hdr.instance_number or 0)
    o = np.asarray(hdr.image_orientation, dtype=float)
    return float(np.cross(o[:3], o[3:]) @ np.asarray(hdr.image_position_mm, dtype=float))


def _series_info(hdrs: list[SliceHeader]) -> SeriesInfo:
    hdrs = sorted(hdrs, key=lambda h: (_sort_key(h), h.path))
    f = hdrs[0]
    acq = [
        t for t in (
            parse_dicom_datetime(h.acquisition_date or h.series_date or h.study_date,
                                 h.acquisition_time)
            for h in hdrs
        ) if t is not None
    ]
    return SeriesInfo(
        study_instance_uid=f.study_instance_uid,
        series_instance_uid=f.series_instance_uid,
        modality=f.modality,
        series_description=f.series_description,
        series_number=f.series_number,
        number_of_files=len(hdrs),
        file_paths=tuple(h.path for h in hdrs),
        patient_name=f.patient_name,
        patient_id=f.patient_id,
        study_description=f.study_description,
        study_date=f.study_date,
        frame_of_reference_uid=f.frame_of_reference_uid,
        rows=f.rows,
        columns=f.columns,
        number_of_frames=sum(h.number_of_frames for h in hdrs),
        acquisition_datetime=min(acq) if acq else None,
        series_datetime=parse_dicom_datetime(f.series_date or f.study_date, f.series_time),
        contrast=ContrastInfo(
            agent=f.contrast_bolus_agent,
            route=f.contrast_bolus_route,
            volume_ml=f.contrast_bolus_volume_ml,
            start_time=f.contrast_bolus_start_time,
            stop_time=f.contrast_bolus_stop_time,
        ),
    )


def _evidence(s: SeriesInfo, date: str) -> PhaseEvidence:
    acquired = s.acquisition_datetime or s.series_datetime
    start = None
    if s.contrast.start_time:
        day = acquired.strftime("%Y%m%d") if acquired is not None else date
        start = parse_dicom_datetime(day, s.contrast.start_time)
    return PhaseEvidence(
        description=s.series_description,
        contrast_agent=s.contrast.agent,
        contrast_start=start,
        acquired=acquired,
    )


def _group(headers: list[SliceHeader]) -> tuple[SeriesInfo, ...]:
    groups: dict[tuple[str, str], list[SliceHeader]] = {}
    for hdr in headers:
        groups.setdefault((hdr.study_instance_uid, hdr.series_instance_uid), []).append(hdr)
    infos = [_series_info(g) for g in groups.values()]
    by_study: dict[str, list[int]] = {}
    for i, s in enumerate(infos):
        by_study.setdefault(s.study_instance_uid, []).append(i)
    for idx in by_study.values():
        labels = label_phases([_evidence(infos[i], infos[i].study_date) for i in idx])
        for i, label in zip(idx, labels, strict=True):
            infos[i] = dataclasses.replace(infos[i], phase=label)
    infos.sort(
        key=lambda s: (s.study_date, s.study_instance_uid, s.series_number or 0,
                       s.series_instance_uid)
    )
    return tuple(infos)
