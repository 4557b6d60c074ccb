"""Synthetic multiphase liver CT (fake patients only) written as valid DICOM.

Qt-free. ``python -m viewer.phantom OUT_DIR [--large] [--seed N]`` writes the demo set.
"""

from viewer.phantom.demo import DemoManifest, StudyManifest, generate_demo, generate_study
from viewer.phantom.pose import DEMO_POSES, PatientPose
from viewer.phantom.writer import PhantomGeometry, oblique_orientation

__all__ = [
    "DEMO_POSES",
    "DemoManifest",
    "PatientPose",
    "PhantomGeometry",
    "StudyManifest",
    "generate_demo",
    "generate_study",
    "oblique_orientation",
]
