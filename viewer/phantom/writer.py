"""Render phantom anatomy on an image grid and write it as CT Image Storage DICOM files.

All phases of one study are rendered from the same label map slice by slice, so memory stays at
a few slices even for the large (300 x 512 x 512) series.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    generate_uid,
)

from viewer.phantom.anatomy import (
    NOISE_HU,
    PHASES,
    Shape,
    Tissue,
    hu_lookup,
    paint_slice,
    slice_coordinates,
)
from viewer.phantom.pose import PatientPose

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def oblique_orientation(angle_deg: float = 20.0) -> tuple[float, ...]:
    """ImageOrientationPatient tilted ``angle_deg`` about x and then ``angle_deg / 2`` about z."""
    a, b = math.radians(angle_deg), math.radians(angle_deg / 2)
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    rz = np.array([[math.cos(b), -math.sin(b), 0], [math.sin(b), math.cos(b), 0], [0, 0, 1]])
    rot = rz @ rx
    col = rot @ np.array([1.0, 0.0, 0.0])
    row = rot @ np.array([0.0, 1.0, 0.0])
    return tuple(round(float(v), 9) for v in (*col, *row))


@dataclass(frozen=True)
class PhantomGeometry:
    """Image grid in patient space (LPS, mm).

    ``pixel_spacing_mm`` is DICOM PixelSpacing order: (row spacing, column spacing).
    ``centre_mm`` is the patient position of the grid centre.
    """

    rows: int = 256
    cols: int = 256
    slices: int = 80
    pixel_spacing_mm: tuple[float, float] = (0.78, 0.78)
    slice_spacing_mm: float = 2.5
    orientation: tuple[float, ...] = AXIAL
    centre_mm: tuple[float, float, float] = (-55.0, 0.0, 0.0)

    @classmethod
    def small(cls) -> PhantomGeometry:
        """256 x 256 x 80 at 0.78 x 0.78 x 2.5 mm, centred on the liver (demo size)."""
        return cls()

    @classmethod
    def large(cls) -> PhantomGeometry:
        """512 x 512 x 300 at 0.78 x 0.78 x 1.0 mm (benchmark size, 150 MiB per series)."""
        return cls(512, 512, 300, (0.78, 0.78), 1.0, AXIAL, (0.0, 0.0, 0.0))

    @property
    def col_dir(self) -> np.ndarray:
        return np.asarray(self.orientation[:3], dtype=float)

    @property
    def row_dir(self) -> np.ndarray:
        return np.asarray(self.orientation[3:], dtype=float)

    @property
    def normal(self) -> np.ndarray:
        return np.cross(self.col_dir, self.row_dir)

    @property
    def origin_mm(self) -> np.ndarray:
        """Patient position of voxel (0, 0, 0)."""
        dr, dc = self.pixel_spacing_mm
        return (
            np.asarray(self.centre_mm, dtype=float)
            - (self.cols - 1) / 2 * dc * self.col_dir
            - (self.rows - 1) / 2 * dr * self.row_dir
            - (self.slices - 1) / 2 * self.slice_spacing_mm * self.normal
        )

    def slice_position_mm(self, k: int) -> np.ndarray:
        """ImagePositionPatient of slice ``k`` (slices ascend along the normal)."""
        return self.origin_mm + k * self.slice_spacing_mm * self.normal


@dataclass(frozen=True)
class StudySpec:
    """Patient/study attributes of one written study; times are acquisition times."""

    patient_name: str
    patient_id: str
    patient_birth_date: str
    patient_sex: str
    study_datetime: datetime
    study_description: str
    accession: str
    series_descriptions: dict[str, str]
    uid_seed: str
    signed_pixels: bool = True
    contrast_start_tag: bool = True
    phase_delays_s: dict[str, float] = field(
        default_factory=lambda: {"non_contrast": -120.0, "arterial": 35.0, "portal_venous": 70.0}
    )


def _uid(*parts: object) -> str:
    return str(generate_uid(entropy_srcs=[str(p) for p in parts]))


def _ds_text(x: float) -> str:
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _base_dataset(
    spec: StudySpec, geo: PhantomGeometry, phase: str, series_number: int
) -> Dataset:
    inject = spec.study_datetime + timedelta(minutes=2)
    acquired = inject + timedelta(seconds=spec.phase_delays_s[phase])
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.StudyDate = spec.study_datetime.strftime("%Y%m%d")
    ds.SeriesDate = ds.StudyDate
    ds.AcquisitionDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.StudyTime = spec.study_datetime.strftime("%H%M%S")
    ds.SeriesTime = acquired.strftime("%H%M%S")
    ds.AcquisitionTime = acquired.strftime("%H%M%S")
    ds.ContentTime = ds.AcquisitionTime
    ds.AccessionNumber = spec.accession
    ds.Modality = "CT"
    ds.Manufacturer = "mRECIST Workstation phantom"
    ds.InstitutionName = "SYNTHETIC DATA - NOT A PATIENT"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = spec.study_description
    ds.SeriesDescription = spec.series_descriptions[phase]
    ds.PatientName = spec.patient_name
    ds.PatientID = spec.patient_id
    ds.PatientBirthDate = spec.patient_birth_date
    ds.PatientSex = spec.patient_sex
    ds.PatientIdentityRemoved = "YES"
    ds.BodyPartExamined = "ABDOMEN"
    ds.SliceThickness = _ds_text(geo.slice_spacing_mm)
    ds.KVP = "120"
    ds.PatientPosition = "FFS"
    if phase != "non_contrast":
        ds.ContrastBolusAgent = "IOHEXOL 350 (SYNTHETIC)"
        ds.ContrastBolusRoute = "IV"
        ds.ContrastBolusVolume = "100"
        if spec.contrast_start_tag:
            ds.ContrastBolusStartTime = inject.strftime("%H%M%S")
    ds.StudyInstanceUID = _uid(spec.uid_seed, "study")
    ds.SeriesInstanceUID = _uid(spec.uid_seed, "series", phase)
    ds.FrameOfReferenceUID = _uid(spec.uid_seed, "frame")
    ds.StudyID = spec.accession[-4:]
    ds.SeriesNumber = series_number
    ds.AcquisitionNumber = series_number
    ds.ImageOrientationPatient = [_ds_text(v) for v in geo.orientation]
    ds.PositionReferenceIndicator = ""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = geo.rows
    ds.Columns = geo.cols
    ds.PixelSpacing = [_ds_text(v) for v in geo.pixel_spacing_mm]
    ds.BitsAllocated = 16
    ds.BitsStored = 16 if spec.signed_pixels else 12
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if spec.signed_pixels else 0
    ds.WindowCenter = "60"
    ds.WindowWidth = "400"
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    return ds


def write_study(
    out_dir: str | os.PathLike[str],
    spec: StudySpec,
    geo: PhantomGeometry,
    shapes: Sequence[tuple[Tissue, Shape]],
    *,
    phases: Sequence[str] = PHASES,
    seed: int = 0,
    pose: PatientPose | None = None,
) -> dict[str, str]:
    """Render and write one study: one series folder per phase.

    Parameters
    ----------
    out_dir
        Folder for the study; series go to ``out_dir/<phase>/``.
    spec
        Patient, study and naming attributes.
    geo
        Image grid.
    shapes
        Labelled shapes in painting order (later shapes overwrite earlier ones).
    phases
        Phase names from :data:`~viewer.phantom.anatomy.PHASES`.
    seed
        Seed of the noise generator.
    pose
        Where the anatomy lies relative to its baseline position (``shapes`` are given in
        baseline coordinates); ``None`` paints them where they are.

    Returns
    -------
    dict
        Phase name -> series folder path.
    """
    rng = np.random.default_rng(seed)
    folders: dict[str, str] = {}
    datasets: dict[str, Dataset] = {}
    luts = {p: hu_lookup(p) for p in phases}
    for phase in phases:
        folder = os.path.join(os.fspath(out_dir), phase)
        os.makedirs(folder, exist_ok=True)
        folders[phase] = folder
        datasets[phase] = _base_dataset(spec, geo, phase, 2 + PHASES.index(phase))
    shape_list = list(shapes)
    lo, hi = (-32768, 32767) if spec.signed_pixels else (0, 4095)
    dtype = np.dtype("<i2" if spec.signed_pixels else "<u2")
    for k in range(geo.slices):
        pos = geo.slice_position_mm(k)
        x, y, z = slice_coordinates(pos, geo.col_dir, geo.row_dir, geo.rows, geo.cols,
                                    geo.pixel_spacing_mm)
        if pose is not None and not pose.is_identity:
            x, y, z = pose.to_baseline(x, y, z)
        labels = paint_slice(shape_list, x, y, z)
        for phase in phases:
            hu = luts[phase][labels]
            hu += rng.standard_normal(hu.shape, dtype=np.float32) * np.float32(NOISE_HU)
            hu += np.float32(1024.5)  # stored = HU - intercept, rounded
            stored = np.clip(np.floor(hu), lo, hi).astype(dtype)
            ds = datasets[phase]
            sop = UID(_uid(spec.uid_seed, phase, k))
            ds.SOPInstanceUID = sop
            ds.file_meta.MediaStorageSOPInstanceUID = sop
            ds.InstanceNumber = geo.slices - k  # head first: numbering runs against position
            ds.ImagePositionPatient = [_ds_text(v) for v in pos]
            ds.SliceLocation = _ds_text(float(pos @ geo.normal))
            ds.PixelData = stored.tobytes()
            ds.save_as(os.path.join(folders[phase], f"CT.{sop}.dcm"), enforce_file_format=True)
    return folders
