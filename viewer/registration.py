"""Rigid registration between a prior and the current study, and linked-scrolling helpers.

Qt-free (numpy and SimpleITK only). The GUI runs :func:`register_rigid` in a worker thread and
cancels it through a :class:`threading.Event`.

Conventions
-----------
- Points are in the DICOM patient coordinate system (LPS, mm) of their own study. Two studies
  of one patient taken on different days have different frames of reference: the same anatomy
  has different patient coordinates in each.
- A :class:`RigidTransform` maps a point of the **current** study's patient space to the
  **prior** study's patient space (the prior being the baseline or the nadir):
  ``p_prior = rotation @ p_current + translation_mm``.
- Voxel indices follow :class:`viewer.dicom.volume.Volume`: ``(k, r, c)`` = (slice, row,
  column); spacings are ``(slice, row, col)`` in mm.

Measured on the 2-core development machine (SimpleITK 2.5.7, defaults: shrink 4, window
-150..250 HU): 512 x 512 x 300 at 0.78 x 0.78 x 1 mm (binned to 128 x 128 x 100), known motion
3 deg about z + (5, -4, 8) mm: 2.7 s including 0.7 s of binning, 114 iterations, TRE 0.06 mm,
+85 MB RSS. Demo grid 256 x 256 x 80 at 2.5 mm: 0.4-0.6 s, TRE <= 0.2 mm.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import SimpleITK as _SimpleITK

from viewer.dicom.volume import Volume

# SimpleITK's SWIG wrappers carry no type hints: call them through ``Any`` (mypy --strict).
sitk: Any = _SimpleITK
SitkImage = Any
"""A ``SimpleITK.Image`` (untyped)."""
SitkTransform = Any
"""A ``SimpleITK.Transform`` subclass (untyped)."""

Vec3 = tuple[float, float, float]
Mat3 = tuple[Vec3, Vec3, Vec3]

_ORTHO_TOL = 1e-6
"""Largest allowed deviation of ``R.T @ R`` from the identity for a rotation."""
_MIN_SHRUNK_VOXELS = 8
"""Smallest size of every axis of the shrunk image (the coarse level halves it again)."""
_BODY_HU = -140.0
"""Threshold separating the body from air for the ``"moments"`` initialisation (HU; used on the
windowed image, so it must lie inside :data:`DEFAULT_WINDOW_HU`)."""
DEFAULT_WINDOW_HU: tuple[float, float] = (-150.0, 250.0)
"""Intensity window (HU) applied before registration. Mattes MI spreads its 50 bins over the
intensity range: over the full CT range (air to bone, ~1500 HU) liver, lesions and vessels share
a few bins and the optimizer crawls; over this window fat, soft tissue, liver and enhancing
vessels are told apart while air stays darker than fat (body outline kept). On the phantom
this cut iterations from 200+ to about 50 per level and the error from 0.5 to 0.2 mm."""


class RegistrationError(Exception):
    """Registration cannot run or failed; the message is plain text for the reader."""


class RegistrationCancelled(RegistrationError):
    """The ``cancel`` event was set while :func:`register_rigid` was running."""


def _vec3(v: Sequence[float] | np.ndarray) -> Vec3:
    a = np.asarray(v, dtype=float).reshape(3)
    return (float(a[0]), float(a[1]), float(a[2]))


@dataclass(frozen=True)
class RigidTransform:
    """Rigid map from the current study's patient space to the prior study's (LPS, mm).

    ``p_prior = rotation @ p_current + translation_mm`` for column vectors ``(x, y, z)``.

    Attributes
    ----------
    rotation
        3 x 3 proper rotation matrix, row by row (dimensionless).
    translation_mm
        Translation ``(x, y, z)`` in mm, applied after the rotation.
    """

    rotation: Mat3 = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    translation_mm: Vec3 = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        r = np.asarray(self.rotation, dtype=float)
        t = np.asarray(self.translation_mm, dtype=float)
        if r.shape != (3, 3) or t.shape != (3,):
            raise ValueError("rotation must be 3 x 3 and translation_mm a 3-vector")
        if not (np.all(np.isfinite(r)) and np.all(np.isfinite(t))):
            raise ValueError("rigid transform has non-finite values")
        if (np.abs(r.T @ r - np.eye(3)).max() > _ORTHO_TOL
                or abs(float(np.linalg.det(r)) - 1.0) > _ORTHO_TOL):
            raise ValueError("rotation is not a proper rotation matrix")
        # Normalise to plain float tuples (callers may pass numpy scalars or lists).
        object.__setattr__(self, "rotation", (_vec3(r[0]), _vec3(r[1]), _vec3(r[2])))
        object.__setattr__(self, "translation_mm", _vec3(t))

    @classmethod
    def identity(cls) -> RigidTransform:
        """The identity: both studies share one patient space (e.g. same frame of reference)."""
        return cls()

    @classmethod
    def from_offset(cls, dx_mm: float, dy_mm: float, dz_mm: float) -> RigidTransform:
        """Pure translation, the manual fallback a reader types or drags.

        Parameters
        ----------
        dx_mm, dy_mm, dz_mm
            Position of an anatomical point in the prior minus its position in the current
            study, along patient x (right to left), y (anterior to posterior) and z (feet to
            head), in mm.
        """
        return cls(translation_mm=(float(dx_mm), float(dy_mm), float(dz_mm)))

    @classmethod
    def from_matrix(cls, rotation: np.ndarray, translation_mm: np.ndarray | Sequence[float]
                    ) -> RigidTransform:
        """Build from a 3 x 3 array and a 3-vector (mm); raises ValueError if not rigid."""
        r = np.asarray(rotation, dtype=float)
        if r.shape != (3, 3):
            raise ValueError("rotation must be 3 x 3")
        return cls((_vec3(r[0]), _vec3(r[1]), _vec3(r[2])), _vec3(translation_mm))

    @property
    def matrix(self) -> np.ndarray:
        """The rotation as a new 3 x 3 float64 array."""
        return np.array(self.rotation, dtype=float)

    @property
    def rotation_deg(self) -> float:
        """Rotation angle about the transform's axis, in degrees (0 to 180)."""
        cos = (float(np.trace(self.matrix)) - 1.0) / 2.0
        return math.degrees(math.acos(min(1.0, max(-1.0, cos))))

    def map_point(self, p_mm: np.ndarray | Sequence[float]) -> np.ndarray:
        """Map current-study patient points to the prior study.

        Parameters
        ----------
        p_mm
            One point ``(x, y, z)`` or an ``(n, 3)`` array of points, LPS mm.

        Returns
        -------
        numpy.ndarray
            float64, same shape as ``p_mm``.
        """
        p = np.asarray(p_mm, dtype=float)
        if p.shape[-1:] != (3,) or p.ndim > 2:
            raise ValueError(f"expected a 3-vector or an (n, 3) array, got shape {p.shape}")
        return np.asarray(p @ self.matrix.T + np.asarray(self.translation_mm))

    def inverse(self) -> RigidTransform:
        """The map from the prior study's patient space back to the current study's."""
        r_t = self.matrix.T
        return RigidTransform.from_matrix(r_t, -r_t @ np.asarray(self.translation_mm))

    def compose(self, other: RigidTransform) -> RigidTransform:
        """``self`` after ``other``: ``x -> self.map_point(other.map_point(x))``.

        E.g. ``prior_to_nadir.compose(current_to_prior)`` maps the current study to the nadir.
        """
        r = self.matrix
        return RigidTransform.from_matrix(
            r @ other.matrix, r @ np.asarray(other.translation_mm) + self.translation_mm
        )

    def is_identity(self, *, tol_mm: float = 1e-6, tol_rot: float = 1e-9) -> bool:
        """True if the translation is below ``tol_mm`` (mm) and the rotation matrix differs
        from the identity by at most ``tol_rot`` per element."""
        return bool(np.abs(self.matrix - np.eye(3)).max() <= tol_rot
                    and np.abs(np.asarray(self.translation_mm)).max() <= tol_mm)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for caching a study pair's transform)."""
        return {"rotation": [list(row) for row in self.rotation],
                "translation_mm": list(self.translation_mm)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RigidTransform:
        """Inverse of :meth:`to_dict`; raises ValueError for malformed data."""
        try:
            return cls.from_matrix(np.asarray(data["rotation"], dtype=float),
                                   np.asarray(data["translation_mm"], dtype=float))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a rigid transform: {exc}") from exc

    def to_sitk(self) -> SitkTransform:
        """The same map as a SimpleITK transform (e.g. for ``sitk.Resample`` of the prior onto
        the current grid: the transform maps output (current) points to input (prior) points).

        Returns
        -------
        SimpleITK.AffineTransform
        """
        tx = sitk.AffineTransform(3)
        tx.SetMatrix([v for row in self.rotation for v in row])
        tx.SetTranslation(self.translation_mm)
        return tx


@dataclass(frozen=True)
class RegistrationResult:
    """Outcome of :func:`register_rigid`.

    Attributes
    ----------
    transform
        Current -> prior patient space.
    metric_value
        Final Mattes mutual information (negative; lower is better), dimensionless.
    iterations
        Optimizer iterations over all pyramid levels.
    seconds
        Wall time of the whole call, including downsampling, in s.
    stop_reason
        SimpleITK's description of why the optimizer stopped at the last level.
    shrink_factors
        Bin-shrink factors used per axis ``(slice, row, col)`` (before the pyramid).
    """

    transform: RigidTransform
    metric_value: float
    iterations: int
    seconds: float
    stop_reason: str
    shrink_factors: tuple[int, int, int]


def _check_volume(vol: Volume, name: str) -> None:
    v = vol.voxels
    if v.ndim != 3 or min(v.shape) < 1:
        raise RegistrationError(f"The {name} volume is not a 3-D image (shape {v.shape}).")
    if v.dtype.kind not in "iuf":
        raise RegistrationError(f"The {name} volume has unsupported voxel type {v.dtype}.")
    sp = np.asarray(vol.spacing_mm, dtype=float)
    if sp.shape != (3,) or not np.all(np.isfinite(sp)) or np.any(sp <= 0):
        raise RegistrationError(f"The {name} volume has invalid voxel spacing {vol.spacing_mm}.")
    axes = np.column_stack([vol.col_dir, vol.row_dir, vol.slice_dir]).astype(float)
    norms = np.linalg.norm(axes, axis=0)
    if (not np.all(np.isfinite(axes)) or not np.all(np.isfinite(vol.origin_mm))
            or np.any(np.abs(norms - 1.0) > 1e-3)
            or abs(float(np.linalg.det(axes))) < 0.5):
        raise RegistrationError(
            f"The {name} volume has degenerate orientation (row, column and slice directions "
            "must be unit vectors that span 3-D space)."
        )


def shrink_factors_for(spacing_mm: Vec3, shrink: int) -> tuple[int, int, int]:
    """Per-axis bin factors ``(slice, row, col)`` giving voxels of about ``shrink`` times the
    finest in-plane spacing on every axis (so thick slices are binned less or not at all).

    Parameters
    ----------
    spacing_mm
        ``(slice, row, col)`` spacing in mm.
    shrink
        Bin factor along the finer in-plane axis (>= 1).
    """
    if shrink < 1:
        raise ValueError("shrink must be >= 1")
    target = shrink * min(spacing_mm[1], spacing_mm[2])
    k, r, c = (max(1, int(round(target / s))) for s in spacing_mm)
    return (k, r, c)


def _bin_shrink(vol: Volume, factors: tuple[int, int, int], cancel: threading.Event | None,
                window: tuple[float, float] | None = None) -> SitkImage:
    """Block-mean downsampling (like ``sitk.BinShrink``) into a float32 SimpleITK image with the
    volume's patient geometry, then clipped to ``window`` (voxel units, HU for CT). Works slab by
    slab: the full-resolution volume is never copied or converted to float."""
    fk, fr, fc = (min(f, n) for f, n in zip(factors, vol.shape, strict=True))
    nk, nr, nc = (n // f for n, f in zip(vol.shape, (fk, fr, fc), strict=True))
    out = np.empty((nk, nr, nc), dtype=np.float32)
    scale = np.float32(1.0 / (fk * fr * fc))
    for i in range(nk):
        if cancel is not None and i % 8 == 0 and cancel.is_set():
            raise RegistrationCancelled("Registration cancelled.")
        slab = vol.voxels[i * fk:(i + 1) * fk, :nr * fr, :nc * fc].astype(np.float32)
        out[i] = slab.reshape(fk, nr, fr, nc, fc).sum(axis=(0, 2, 4)) * scale
    if window is not None:
        np.clip(out, np.float32(window[0]), np.float32(window[1]), out=out)
    img = sitk.GetImageFromArray(out)  # [k, r, c] -> x = col, y = row, z = slice
    dk, dr, dc = vol.spacing_mm
    img.SetSpacing((dc * fc, dr * fr, dk * fk))
    img.SetOrigin(_vec3(vol.index_to_patient((fk - 1) / 2, (fr - 1) / 2, (fc - 1) / 2)))
    img.SetDirection(tuple(float(v) for v in np.column_stack(
        [vol.col_dir, vol.row_dir, vol.slice_dir]).astype(float).ravel()))
    return img


def _image_centre(img: SitkImage) -> np.ndarray:
    size = np.asarray(img.GetSize(), dtype=float)
    return np.asarray(img.TransformContinuousIndexToPhysicalPoint(tuple((size - 1) / 2)))


def _body_centroid(img: SitkImage) -> np.ndarray:
    arr = sitk.GetArrayViewFromImage(img)
    idx = np.argwhere(arr > _BODY_HU)
    if len(idx) == 0:
        return _image_centre(img)
    k, r, c = idx.mean(axis=0)
    return np.asarray(img.TransformContinuousIndexToPhysicalPoint((c, r, k)))


def _initial_transform(fixed: SitkImage, moving: SitkImage, init: str,
                       initial: RigidTransform | None) -> SitkTransform:
    centre = _image_centre(fixed)
    tx = sitk.Euler3DTransform()
    tx.SetCenter(_vec3(centre))
    if initial is not None:
        # T(x) = R (x - c) + c + t_e must equal R x + b  =>  t_e = b - c + R c
        u, _, vt = np.linalg.svd(initial.matrix)  # orthonormal to rounding for ITK's check
        r = u @ vt
        tx.SetMatrix(tuple(float(v) for v in r.ravel()))
        tx.SetTranslation(_vec3(np.asarray(initial.translation_mm) - centre + r @ centre))
    elif init == "geometry":
        tx.SetTranslation(_vec3(_image_centre(moving) - centre))
    elif init == "moments":
        c_fixed = _body_centroid(fixed)
        tx.SetCenter(_vec3(c_fixed))
        tx.SetTranslation(_vec3(_body_centroid(moving) - c_fixed))
    return tx


def _to_rigid(tx: SitkTransform) -> RigidTransform:
    origin = np.asarray(tx.TransformPoint((0.0, 0.0, 0.0)))
    cols = [np.asarray(tx.TransformPoint(tuple(e))) - origin for e in np.eye(3)]
    r = np.column_stack(cols)
    u, _, vt = np.linalg.svd(r)  # remove rounding noise: nearest rotation
    return RigidTransform.from_matrix(u @ vt, origin)


def register_rigid(
    prior: Volume,
    current: Volume,
    *,
    shrink: int = 4,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    init: Literal["geometry", "moments", "identity"] = "geometry",
    initial: RigidTransform | None = None,
    window_hu: tuple[float, float] | None = DEFAULT_WINDOW_HU,
    max_iterations: int = 200,
    seed: int = 20261125,
) -> RegistrationResult:
    """Rigidly register the current study to the prior (Mattes MI, Euler3D, 2-level pyramid).

    Runs in the calling thread (call it from a worker thread in the GUI). Both volumes are
    block-averaged by :func:`shrink_factors_for` (int16 is converted to float32 only after
    shrinking), clipped to ``window_hu``, given their real patient geometry (origin, spacing,
    direction), and registered with SimpleITK: Euler3D transform, Mattes mutual information
    (50 bins, 10 % random samples, fixed seed), regular-step gradient descent (learning rate 2,
    minimum step 0.01, relaxation 0.5) with scales from physical shift, linear interpolation,
    pyramid shrink 2 then 1 with smoothing sigma 1 then 0 voxels.

    Parameters
    ----------
    prior
        Baseline or nadir volume (SimpleITK's *moving* image).
    current
        Follow-up volume (SimpleITK's *fixed* image). Use the same contrast phase for both.
    shrink
        Bin factor along the finest in-plane axis; 4 takes a few seconds for 512 x 512 x 300.
    cancel
        When set (from any thread), the registration stops at the next optimizer iteration
        (if it falls between pyramid levels, after the next level's set-up: about 0.2 s on
        the demo grid) and :class:`RegistrationCancelled` is raised.
    progress
        Called from the calling thread with the cumulative iteration count (all levels) after
        every optimizer iteration. It must be cheap; exceptions it raises abort the
        registration and propagate.
    init
        Start position when ``initial`` is None: ``"geometry"`` aligns the image centres,
        ``"moments"`` the centroids of the body (voxels above -140 HU), ``"identity"`` trusts
        the patient coordinates as they are (same frame of reference).
    initial
        Starting transform (e.g. a reader's manual offset); overrides ``init``.
    window_hu
        Intensities are clipped to this range (voxel units: HU for CT) after downsampling;
        see :data:`DEFAULT_WINDOW_HU`. ``None`` registers the full range.
    max_iterations
        Optimizer iterations per pyramid level.
    seed
        Seed of the metric's random sampling (same inputs, same result).

    Returns
    -------
    RegistrationResult
        ``transform`` maps current patient mm to prior patient mm.

    Raises
    ------
    RegistrationError
        Degenerate input (not 3-D, bad spacing or orientation, too small, uniform intensity) or
        a SimpleITK failure (e.g. the images do not overlap).
    RegistrationCancelled
        ``cancel`` was set.
    """
    t0 = time.perf_counter()
    if init not in ("geometry", "moments", "identity"):
        raise ValueError(f"init must be 'geometry', 'moments' or 'identity', not {init!r}")
    _check_volume(prior, "prior")
    _check_volume(current, "current")
    images: list[SitkImage] = []
    factors: tuple[int, int, int] = (1, 1, 1)
    for vol, name in ((current, "current"), (prior, "prior")):
        f = shrink_factors_for(vol.spacing_mm, shrink)
        img = _bin_shrink(vol, f, cancel, window_hu)
        if min(img.GetSize()) < _MIN_SHRUNK_VOXELS:
            raise RegistrationError(
                f"The {name} volume is too small to register ({vol.shape[0]} slices of "
                f"{vol.shape[1]} x {vol.shape[2]}); at least {_MIN_SHRUNK_VOXELS} voxels per "
                "axis are needed after downsampling."
            )
        arr = sitk.GetArrayViewFromImage(img)
        if not np.all(np.isfinite(arr)) or float(arr.max()) - float(arr.min()) <= 0.0:
            raise RegistrationError(
                f"The {name} volume is uniform (within the registration window) or has "
                "non-finite values."
            )
        images.append(img)
        if vol is current:
            factors = f
    fixed, moving = images

    tx = _initial_transform(fixed, moving, init, initial)
    reg = sitk.ImageRegistrationMethod()
    reg.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    reg.SetMetricSamplingStrategy(reg.RANDOM)
    reg.SetMetricSamplingPercentage(0.10, seed)
    reg.SetInterpolator(sitk.sitkLinear)
    reg.SetOptimizerAsRegularStepGradientDescent(
        learningRate=2.0, minStep=1e-2, numberOfIterations=max_iterations,
        relaxationFactor=0.5, gradientMagnitudeTolerance=1e-8,
    )
    reg.SetOptimizerScalesFromPhysicalShift()
    reg.SetShrinkFactorsPerLevel([2, 1])
    reg.SetSmoothingSigmasPerLevel([1.0, 0.0])
    reg.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    reg.SetInitialTransform(tx, inPlace=True)

    state: dict[str, Any] = {"iterations": 0, "cancelled": False, "error": None}

    def on_iteration() -> None:
        if state["cancelled"] or state["error"] is not None:
            reg.StopRegistration()  # a later pyramid level started: stop it at once
            return
        state["iterations"] += 1
        if cancel is not None and cancel.is_set():
            state["cancelled"] = True
            reg.StopRegistration()
            return
        if progress is not None:
            try:
                progress(state["iterations"])
            except BaseException as exc:  # re-raised after Execute returns
                state["error"] = exc
                reg.StopRegistration()

    reg.AddCommand(sitk.sitkIterationEvent, on_iteration)
    try:
        reg.Execute(fixed, moving)
    except RuntimeError as exc:
        if state["cancelled"]:
            raise RegistrationCancelled("Registration cancelled.") from exc
        raise RegistrationError(f"Registration failed: {exc}") from exc
    finally:
        reg.RemoveAllCommands()
    if state["error"] is not None:
        raise state["error"]
    if state["cancelled"] or (cancel is not None and cancel.is_set()):
        raise RegistrationCancelled("Registration cancelled.")
    return RegistrationResult(
        transform=_to_rigid(tx),
        metric_value=float(reg.GetMetricValue()),
        iterations=int(state["iterations"]),
        seconds=time.perf_counter() - t0,
        stop_reason=str(reg.GetOptimizerStopConditionDescription()),
        shrink_factors=factors,
    )


def corresponding_point(
    prior: Volume, current: Volume, index_current: Sequence[float] | np.ndarray,
    transform: RigidTransform,
) -> np.ndarray:
    """Continuous prior voxel index of a current voxel index ("go to this lesion in the prior").

    Parameters
    ----------
    prior, current
        The two volumes.
    index_current
        Continuous index ``(k, r, c)`` (slice, row, column) in ``current``.
    transform
        Current -> prior patient space.

    Returns
    -------
    numpy.ndarray
        Continuous index ``(k, r, c)`` in ``prior``, float64, not clamped: it may lie outside
        ``prior.shape`` when the prior does not cover that anatomy.
    """
    k, r, c = (float(v) for v in np.asarray(index_current, dtype=float).reshape(3))
    p_prior = transform.map_point(current.index_to_patient(k, r, c))
    return np.asarray(prior.patient_to_index(p_prior), dtype=float)


def corresponding_slice(
    prior: Volume, current: Volume, k_current: int, transform: RigidTransform
) -> int:
    """Prior slice matching current slice ``k_current`` (for linked scrolling).

    Maps the centre of the current slice into the prior, rounds its slice index and clamps it
    to ``[0, prior.shape[0] - 1]``.

    Parameters
    ----------
    prior, current
        The two volumes.
    k_current
        Slice index in ``current``.
    transform
        Current -> prior patient space.

    Returns
    -------
    int
        Slice index in ``prior``.
    """
    _, rows, cols = current.shape
    k = corresponding_point(prior, current, (k_current, (rows - 1) / 2, (cols - 1) / 2),
                            transform)[0]
    return int(min(max(int(np.floor(k + 0.5)), 0), prior.shape[0] - 1))
