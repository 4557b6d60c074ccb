"""Exceptions raised while finding and loading DICOM series.

Every failure of :func:`viewer.dicom.load_series` is one :class:`DicomLoadError` subclass whose
message names the file (or series) and the problem in plain text, so the application can show it
as is. No other exception type escapes the loader.
"""

from __future__ import annotations

from os import PathLike


class DicomLoadError(Exception):
    """Base class of every loading error.

    Parameters
    ----------
    path
        The file (or folder) concerned, or ``None`` when the problem concerns a whole series.
    reason
        What is wrong, in plain text.
    """

    def __init__(self, path: str | PathLike[str] | None, reason: str) -> None:
        self.path = None if path is None else str(path)
        self.reason = reason
        super().__init__(reason if self.path is None else f"{self.path}: {reason}")


class NotDicomError(DicomLoadError):
    """The file is not a DICOM file (no ``DICM`` prefix and no recognisable data set)."""


class MalformedDicomError(DicomLoadError):
    """The file claims to be DICOM but cannot be parsed (truncated, corrupt element, ...)."""


class UnsupportedDicomError(DicomLoadError):
    """Valid DICOM that this viewer cannot show as a greyscale volume (colour, no pixels, ...)."""


class DeclaredSizeError(MalformedDicomError):
    """Declared image dimensions are absurd or larger than the pixel bytes present."""


class PixelDecodeError(DicomLoadError):
    """No installed decoder could decode the pixel data."""


class SeriesError(DicomLoadError):
    """The files cannot be presented as one whole volume (mixed sizes, orientation, ...)."""


class LoadCancelled(DicomLoadError):
    """Loading was cancelled through the ``cancel`` event."""
