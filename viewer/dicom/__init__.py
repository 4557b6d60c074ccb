"""Qt-free DICOM core: discovery, loading and the volume type.

Only ``viewer.dicom.loader`` (and the modules it delegates to for parsing) touches pydicom
datasets; everything downstream gets the typed values in :mod:`viewer.dicom.volume`.
"""

from viewer.dicom.volume import Volume

__all__ = ["Volume"]
