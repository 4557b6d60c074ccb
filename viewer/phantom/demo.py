"""The demo data set: two fake patients, three time points, three contrast phases each.

* ``DEMO^HCC^ONE``: three hepatocellular carcinomas (hyperenhancing in the arterial phase with
  washout in the portal venous phase; the largest has a non-enhancing necrotic core). Two are
  ablated after baseline: the follow-ups show non-enhancing ablation zones 5 mm larger than the
  tumour, a residual enhancing nodule at the margin of one zone (growing at follow-up 2), growth
  of the untreated tumour and one new lesion.
* ``DEMO^CRC^TWO``: colorectal metastases (hypoenhancing with an enhancing rim). The largest is
  ablated, the others respond to chemotherapy, a new metastasis appears at follow-up 1 and a
  recurrence grows at the ablation margin at follow-up 2. Follow-up 2 has generic series
  descriptions and no ContrastBolusStartTime, so its phases can only be told by timing.

Each study folder holds ``truth.json``: lesion centres in patient mm (LPS), long and short axis
and mRECIST viable diameters in the axial plane through the centre, and the phase to measure on.

With repositioning (the demo's default) the patient lies differently at each follow-up
(:data:`~viewer.phantom.pose.DEMO_POSES`: a small roll about z plus a shift of several mm), so
the same lesion has different patient coordinates at different time points, as in real
follow-up scans; ``truth.json`` then gives the moved centres and angles and a ``patient_pose``
entry with the exact mapping back to the baseline's patient space.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from viewer.phantom.anatomy import (
    BACKGROUND,
    PHASES,
    Ellipsoid,
    Shape,
    Tissue,
    longest_viable_chord_mm,
)
from viewer.phantom.pose import DEMO_POSES, PatientPose
from viewer.phantom.writer import PhantomGeometry, StudySpec, write_study


@dataclass(frozen=True)
class Lesion:
    """One lesion (or ablation zone) at one time point.

    ``necrosis`` is (offset of the core centre along the long axis as a fraction of the semi
    long axis, core radius mm). ``rim_mm`` is the enhancing rim of a metastasis.
    """

    lesion_id: str
    kind: str  # "hcc", "metastasis", "ablation_zone", "residual_nodule", "recurrent_nodule"
    shape: Ellipsoid
    necrosis: tuple[float, float] | None = None
    rim_mm: float = 0.0
    new: bool = False
    parent_id: str | None = None
    viable_override_mm: float | None = None

    def shapes(self) -> list[tuple[Tissue, Shape]]:
        if self.kind == "ablation_zone":
            return [(Tissue.ABLATION_ZONE, self.shape)]
        if self.kind == "residual_nodule":
            return [(Tissue.ENHANCING_NODULE, self.shape)]
        if self.rim_mm > 0:
            return [(Tissue.METASTASIS_RIM, self.shape),
                    (Tissue.METASTASIS, self.shape.grown(-self.rim_mm))]
        out: list[tuple[Tissue, Shape]] = [(Tissue.HCC, self.shape)]
        if self.necrosis is not None:
            frac, r = self.necrosis
            out.append((Tissue.NECROSIS, Ellipsoid(self.shape.axis_point(frac), (r, r, r))))
        return out

    def truth(self) -> dict[str, Any]:
        a, b, c = self.shape.semi_axes_mm
        viable: float | None
        if self.viable_override_mm is not None:
            viable = self.viable_override_mm
        elif self.kind == "ablation_zone":
            viable = 0.0
        elif self.kind in ("hcc", "residual_nodule"):
            viable = 2 * a
            if self.necrosis is not None:
                frac, r = self.necrosis
                viable = longest_viable_chord_mm(a, b, frac * a, r)
        else:
            viable = None
        measure = "portal_venous" if self.rim_mm > 0 else "arterial"
        return {
            "lesion_id": self.lesion_id,
            "kind": self.kind,
            "parent_id": self.parent_id,
            "new": self.new,
            "centre_mm": [round(v, 3) for v in self.shape.centre_mm],
            "long_axis_mm": round(2 * a, 2),
            "short_axis_mm": round(2 * b, 2),
            "craniocaudal_mm": round(2 * c, 2),
            "long_axis_angle_deg": self.shape.angle_deg,
            "viable_diameter_mm": None if viable is None else round(viable, 2),
            "measure_phase": measure,
        }


def _e(c: tuple[float, float, float], ax: tuple[float, float, float], ang: float = 0) -> Ellipsoid:
    return Ellipsoid(c, ax, ang)


def _at_margin(zone: Ellipsoid, side: float, radius_mm: float) -> Ellipsoid:
    """Sphere centred on the zone boundary along its long axis (``side`` +1 or -1)."""
    return Ellipsoid(zone.axis_point(side), (radius_mm,) * 3)


def hcc_patient() -> list[list[Lesion]]:
    """Lesions of DEMO^HCC^ONE at baseline, follow-up 1 and follow-up 2."""
    h1 = _e((-75.0, -20.0, 20.0), (16.0, 12.0, 13.0), 30.0)
    h2 = _e((-40.0, 30.0, -25.0), (10.0, 8.0, 9.0), -20.0)
    base = [
        Lesion("HCC-1", "hcc", h1, necrosis=(0.4, 5.0)),
        Lesion("HCC-2", "hcc", h2),
        Lesion("HCC-3", "hcc", _e((-100.0, 10.0, -40.0), (6.0, 5.5, 5.5))),
    ]
    z1a, z2a = h1.grown(5.0), h2.grown(5.0)
    r1 = _at_margin(z1a, 1.0, 5.0)
    fu1 = [
        Lesion("HCC-1", "ablation_zone", z1a, viable_override_mm=10.0),
        Lesion("HCC-2", "ablation_zone", z2a),
        Lesion("HCC-1-R", "residual_nodule", r1, parent_id="HCC-1"),
        Lesion("HCC-3", "hcc", _e((-100.0, 10.0, -40.0), (6.5, 6.0, 6.0))),
        Lesion("HCC-4", "hcc", _e((-110.0, -30.0, 45.0), (7.0, 6.0, 6.0), 45.0), new=True),
    ]
    z1b, z2b = h1.grown(3.5), h2.grown(3.5)
    fu2 = [
        Lesion("HCC-1", "ablation_zone", z1b, viable_override_mm=16.0),
        Lesion("HCC-2", "ablation_zone", z2b),
        Lesion("HCC-1-R", "residual_nodule", _at_margin(z1b, 1.0, 8.0), parent_id="HCC-1"),
        Lesion("HCC-3", "hcc", _e((-100.0, 10.0, -40.0), (7.5, 7.0, 7.0))),
        Lesion("HCC-4", "hcc", _e((-110.0, -30.0, 45.0), (9.0, 8.0, 8.0), 45.0)),
    ]
    return [base, fu1, fu2]


def crc_patient() -> list[list[Lesion]]:
    """Lesions of DEMO^CRC^TWO at baseline, follow-up 1 and follow-up 2."""
    m1 = _e((-85.0, -25.0, 25.0), (14.0, 11.0, 12.0), 15.0)
    m2c, m3c, m4c = (-115.0, -20.0, -30.0), (-35.0, 35.0, 40.0), (-95.0, 40.0, -10.0)
    base = [
        Lesion("MET-1", "metastasis", m1, rim_mm=3.0),
        Lesion("MET-2", "metastasis", _e(m2c, (9.0, 8.0, 8.0)), rim_mm=2.5),
        Lesion("MET-3", "metastasis", _e(m3c, (6.0, 5.0, 5.0)), rim_mm=2.0),
    ]
    fu1 = [
        Lesion("MET-1", "ablation_zone", m1.grown(5.0)),
        Lesion("MET-2", "metastasis", _e(m2c, (7.0, 6.0, 6.0)), rim_mm=2.0),
        Lesion("MET-3", "metastasis", _e(m3c, (5.0, 4.5, 4.5)), rim_mm=2.0),
        Lesion("MET-4", "metastasis", _e(m4c, (5.0, 5.0, 5.0)), rim_mm=2.0, new=True),
    ]
    z = m1.grown(4.0)
    fu2 = [
        Lesion("MET-1", "ablation_zone", z),
        Lesion("MET-1-R", "recurrent_nodule", _at_margin(z, -1.0, 6.0), rim_mm=2.0,
               parent_id="MET-1", new=True),
        Lesion("MET-2", "metastasis", _e(m2c, (6.0, 5.5, 5.5)), rim_mm=2.0),
        Lesion("MET-3", "metastasis", _e(m3c, (5.0, 4.5, 4.5)), rim_mm=2.0),
        Lesion("MET-4", "metastasis", _e(m4c, (7.0, 6.5, 6.5)), rim_mm=2.0),
    ]
    return [base, fu1, fu2]


TIME_POINTS = ("baseline", "followup1", "followup2")
_DATES = (datetime(2026, 1, 12, 9, 30), datetime(2026, 4, 13, 10, 0),
          datetime(2026, 7, 13, 8, 45))


@dataclass(frozen=True)
class StudyManifest:
    """One written study."""

    patient_name: str
    patient_id: str
    time_point: str
    study_date: str
    folder: str
    series_folders: dict[str, str]
    truth_path: str


@dataclass(frozen=True)
class DemoManifest:
    """Everything :func:`generate_demo` wrote."""

    out_dir: str
    size: str
    seed: int
    studies: tuple[StudyManifest, ...] = field(default=())


def _descriptions(patient: int, tp: int) -> tuple[dict[str, str], bool]:
    if patient == 0:
        return {"non_contrast": "Abdomen NC 2.5mm", "arterial": "Arterial 2.5mm",
                "portal_venous": "PV 2.5mm"}, True
    if tp < 2:
        return {"non_contrast": "LIVER PLAIN", "arterial": "LATE ARTERIAL",
                "portal_venous": "PORTAL VENOUS"}, True
    generic = "Abdomen 2.5mm B30f"
    return dict.fromkeys(PHASES, generic), False


def generate_study(
    out_dir: str | os.PathLike[str],
    *,
    patient: int = 0,
    time_point: int = 0,
    geometry: PhantomGeometry | None = None,
    phases: Sequence[str] = PHASES,
    seed: int = 0,
    reposition: bool | PatientPose = False,
) -> StudyManifest:
    """Write one study of the demo (any geometry) with its ``truth.json``.

    Parameters
    ----------
    out_dir
        Study folder (created).
    patient
        0 for DEMO^HCC^ONE, 1 for DEMO^CRC^TWO.
    time_point
        0 baseline, 1 and 2 follow-ups.
    geometry
        Image grid; :meth:`PhantomGeometry.small` by default.
    phases
        Which phases to write.
    seed
        Seed for noise and UIDs.
    reposition
        ``True`` moves the anatomy of a follow-up by the time point's
        :data:`~viewer.phantom.pose.DEMO_POSES` entry (the baseline never moves); a
        :class:`~viewer.phantom.pose.PatientPose` moves it by that pose; ``False`` (default)
        keeps every time point in the baseline position.
    """
    geo = geometry or PhantomGeometry.small()
    lesions = (hcc_patient() if patient == 0 else crc_patient())[time_point]
    name, pid, sex, birth = (
        ("DEMO^HCC^ONE", "DEMO-HCC-01", "M", "19580101") if patient == 0
        else ("DEMO^CRC^TWO", "DEMO-CRC-02", "F", "19640101")
    )
    when = _DATES[time_point]
    descriptions, start_tag = _descriptions(patient, time_point)
    if isinstance(reposition, PatientPose):
        pose = reposition
    else:
        pose = DEMO_POSES[time_point] if reposition else PatientPose()
    uid_seed = f"{seed}/{pid}/{time_point}/{geo}"
    if not pose.is_identity:
        uid_seed += f"/{pose}"
    spec = StudySpec(
        patient_name=name, patient_id=pid, patient_birth_date=birth, patient_sex=sex,
        study_datetime=when, study_description="CT LIVER MULTIPHASE (SYNTHETIC)",
        accession=f"DEMO{patient + 1}{time_point:03d}", series_descriptions=descriptions,
        uid_seed=uid_seed, signed_pixels=patient == 0,
        contrast_start_tag=start_tag,
    )
    shapes: list[tuple[Tissue, Shape]] = list(BACKGROUND)
    for les in lesions:
        shapes.extend(les.shapes())
    folder = os.fspath(out_dir)
    os.makedirs(folder, exist_ok=True)
    series = write_study(folder, spec, geo, shapes, phases=phases,
                         seed=seed * 1000 + patient * 10 + time_point, pose=pose)
    truth = {
        "synthetic": True,
        "patient_name": name,
        "patient_id": pid,
        "time_point": TIME_POINTS[time_point],
        "study_date": when.strftime("%Y%m%d"),
        "coordinate_system": "DICOM patient LPS, mm; diameters in the axial plane through "
        "the centre; viable_diameter_mm is the longest enhancing diameter avoiding necrosis "
        "(mRECIST), 0 for a fully non-enhancing ablation zone, null for metastases",
        "geometry": {
            "rows": geo.rows, "columns": geo.cols, "slices": geo.slices,
            "pixel_spacing_mm": list(geo.pixel_spacing_mm),
            "slice_spacing_mm": geo.slice_spacing_mm,
            "image_orientation": list(geo.orientation),
            "origin_mm": [round(float(v), 4) for v in geo.origin_mm],
        },
        "series": {p: os.path.relpath(f, folder) for p, f in series.items()},
        "phase_delays_s": spec.phase_delays_s,
        "lesions": [_moved_truth(les.truth(), pose) for les in lesions],
    }
    if not pose.is_identity:
        truth["patient_pose"] = pose.to_json()
    truth_path = os.path.join(folder, "truth.json")
    with open(truth_path, "w", encoding="utf-8") as fp:
        json.dump(truth, fp, indent=2)
    return StudyManifest(name, pid, TIME_POINTS[time_point], when.strftime("%Y%m%d"), folder,
                         series, truth_path)


def _moved_truth(truth: dict[str, Any], pose: PatientPose) -> dict[str, Any]:
    """Lesion truth after the anatomy moved by ``pose`` (diameters are unchanged)."""
    if pose.is_identity:
        return truth
    centre = pose.apply(tuple(truth["centre_mm"]))
    return {**truth, "centre_mm": [round(float(v), 3) for v in centre],
            "long_axis_angle_deg": truth["long_axis_angle_deg"] + pose.rotation_z_deg}


def generate_demo(
    out_dir: str | os.PathLike[str], *, size: str = "small", seed: int = 0,
    reposition: bool = True,
) -> DemoManifest:
    """Write the demo data set.

    Parameters
    ----------
    out_dir
        Destination folder; studies go to ``out_dir/<patient id>/<time point>/``.
    size
        ``"small"``: both patients, three time points, three phases each, 256 x 256 x 80 at
        0.78 x 0.78 x 2.5 mm (18 series, about 1440 files, 190 MB, a few seconds).
        ``"large"``: the HCC patient's baseline only, three phases of 512 x 512 x 300 at
        0.78 x 0.78 x 1 mm (450 MB) for benchmarks.
    seed
        Makes noise and UIDs reproducible: the same seed gives identical files.
    reposition
        Move the patient between time points (see :func:`generate_study`); on by default.

    Returns
    -------
    DemoManifest
    """
    if size not in ("small", "large"):
        raise ValueError(f"size must be 'small' or 'large', not {size!r}")
    root = os.fspath(out_dir)
    studies = []
    plan = [(0, 0)] if size == "large" else [(p, t) for p in (0, 1) for t in range(3)]
    geo = PhantomGeometry.large() if size == "large" else PhantomGeometry.small()
    for patient, tp in plan:
        pid = "DEMO-HCC-01" if patient == 0 else "DEMO-CRC-02"
        studies.append(
            generate_study(os.path.join(root, pid, TIME_POINTS[tp]), patient=patient,
                           time_point=tp, geometry=geo, seed=seed, reposition=reposition)
        )
    return DemoManifest(root, size, seed, tuple(studies))

