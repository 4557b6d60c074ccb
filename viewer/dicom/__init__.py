"""Qt-free DICOM core: discovery, loading and the volume type.

Only ``viewer.dicom.loader`` (and the modules it delegates to for parsing:
``viewer.dicom.pydicom_io``) touches pydicom datasets; everything downstream gets the typed
values in :mod:`viewer.dicom.volume`, :mod:`viewer.dicom.discovery` and
:mod:`viewer.dicom.phase`.
"""

from viewer.dicom.discovery import (
    ContrastInfo,
    FileProblem,
    ScanResult,
    SeriesInfo,
    find_series,
    scan_folder,
)
from viewer.dicom.errors import (
    DeclaredSizeError,
    DicomLoadError,
    LoadCancelled,
    MalformedDicomError,
    NotDicomError,
    PixelDecodeError,
    SeriesError,
    UnsupportedDicomError,
)
from viewer.dicom.loader import load_series
from viewer.dicom.phase import Phase, PhaseLabel, label_phases, phase_from_description
from viewer.dicom.volume import Volume

__all__ = [
    "ContrastInfo",
    "DeclaredSizeError",
    "DicomLoadError",
    "FileProblem",
    "LoadCancelled",
    "MalformedDicomError",
    "NotDicomError",
    "Phase",
    "PhaseLabel",
    "PixelDecodeError",
    "ScanResult",
    "SeriesError",
    "SeriesInfo",
    "UnsupportedDicomError",
    "Volume",
    "find_series",
    "label_phases",
    "load_series",
    "phase_from_description",
    "scan_folder",
]
