"""Fixtures: small phantom studies written once per session (Qt-free)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from viewer.phantom import PhantomGeometry, generate_study, oblique_orientation

# A small anisotropic grid around lesion HCC-3 of the HCC patient (centre (-100, 10, -40) mm).
ANISO = PhantomGeometry(
    rows=80, cols=96, slices=30, pixel_spacing_mm=(0.6, 0.9), slice_spacing_mm=1.5,
    centre_mm=(-95.0, 5.0, -35.0),
)
OBLIQUE = PhantomGeometry(
    rows=96, cols=96, slices=36, pixel_spacing_mm=(0.8, 0.8), slice_spacing_mm=1.25,
    orientation=oblique_orientation(20.0), centre_mm=(-97.0, 8.0, -38.0),
)


def series_files(folder: str) -> list[str]:
    """All files of a series folder, in directory-listing order."""
    return sorted(os.path.join(folder, f) for f in os.listdir(folder))


class Study:
    """A written phantom study: its folder, series folders and truth."""

    def __init__(self, manifest: Any) -> None:
        self.manifest = manifest
        self.folder = manifest.folder
        self.series = manifest.series_folders
        with open(manifest.truth_path, encoding="utf-8") as fp:
            self.truth: dict[str, Any] = json.load(fp)

    def files(self, phase: str) -> list[str]:
        return series_files(self.series[phase])

    def lesion(self, lesion_id: str) -> dict[str, Any]:
        return next(les for les in self.truth["lesions"] if les["lesion_id"] == lesion_id)


@pytest.fixture(scope="session")
def aniso_study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    out = tmp_path_factory.mktemp("aniso")
    return Study(generate_study(out, patient=0, time_point=0, geometry=ANISO,
                                phases=("non_contrast", "arterial"), seed=3))


@pytest.fixture(scope="session")
def oblique_study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    out = tmp_path_factory.mktemp("oblique")
    return Study(generate_study(out, patient=0, time_point=0, geometry=OBLIQUE,
                                phases=("arterial",), seed=4))


@pytest.fixture(scope="session")
def crc_study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    """CRC patient (unsigned 12-bit pixels) on the anisotropic grid, portal venous only."""
    out = tmp_path_factory.mktemp("crc")
    return Study(generate_study(out, patient=1, time_point=0, geometry=ANISO,
                                phases=("portal_venous",), seed=5))


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole small demo (18 series)."""
    from viewer.phantom import generate_demo

    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, size="small", seed=0)
    return out
