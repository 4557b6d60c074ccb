"""Screenshot of the viewer window on a synthetic abdomen, for looking at the display.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tools/screenshot_viewer.py [OUT.png] [--dicom FOLDER]

Without ``--dicom``:
Builds a numpy CT volume (120 axial slices of 512x512, 0.7x0.7 mm pixels, 2.5 mm slices) with
a body, lungs above the liver dome, a liver with one 30 mm hypodense lesion, spine and aorta;
shows it in :class:`viewer.viewer_window.ViewerWindow` with the liver window, a bidirectional
caliper across the lesion (axial) and a long-axis caliper on the coronal view, then saves the
screen (xcb) or the window (offscreen).

With ``--dicom FOLDER``: loads the folder through the real path (``find_series`` and
``load_series`` in a QThread, series list, progress) and shoots once the volume is shown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from viewer.dicom.volume import Volume  # noqa: E402
from viewer.viewer_window import ViewerWindow  # noqa: E402

SHAPE = (120, 512, 512)
SPACING_MM = (2.5, 0.7, 0.7)
LESION_CENTRE_KRC = (70, 230, 170)
LESION_RADIUS_MM = 15.0


def phantom() -> Volume:
    """A synthetic contrast-enhanced abdomen (HU, int16). Slice 0 is the lowest (feet)."""
    n_k, n_r, n_c = SHAPE
    dk, dr, dc = SPACING_MM
    rng = np.random.default_rng(7)
    z = (np.arange(n_k) * dk)[:, None, None]  # mm from the bottom slice, up
    y = ((np.arange(n_r) - n_r / 2) * dr)[None, :, None]  # mm, + is posterior
    x = ((np.arange(n_c) - n_c / 2) * dc)[None, None, :]  # mm, + is patient left
    vol = np.full(SHAPE, -1000, dtype=np.int16)
    body = (x / 160) ** 2 + (y / 115) ** 2 < 1
    fat = (x / 160) ** 2 + (y / 115) ** 2 > 0.85
    vol[np.broadcast_to(body, SHAPE)] = 40
    vol[np.broadcast_to(body & fat, SHAPE)] = -100
    lungs = ((np.abs(x) - 70) / 55) ** 2 + ((y + 5) / 75) ** 2 + ((z - 300) / 110) ** 2 < 1
    vol[lungs & ~(np.abs(x) < 25)] = -850
    liver = ((x + 65) / 85) ** 2 + ((y + 5) / 70) ** 2 + ((z - 175) / 75) ** 2 < 1
    vol[liver] = 105
    k0, r0, c0 = LESION_CENTRE_KRC
    lz, ly, lx = k0 * dk, (r0 - n_r / 2) * dr, (c0 - n_c / 2) * dc
    d2 = (x - lx) ** 2 + (y - ly) ** 2 + ((z - lz) / 1.1) ** 2
    vol[d2 < (LESION_RADIUS_MM + 2) ** 2] = 150  # enhancing rim
    vol[d2 < LESION_RADIUS_MM**2] = 45
    spine = (x / 18) ** 2 + ((y - 60) / 18) ** 2 < 1
    vol[np.broadcast_to(spine, SHAPE)] = 700
    aorta = ((x - 20) / 11) ** 2 + ((y - 30) / 11) ** 2 < 1
    vol[np.broadcast_to(aorta, SHAPE)] = 180
    vol += rng.normal(0, 10, size=SHAPE).astype(np.int16)
    return Volume(
        voxels=vol,
        spacing_mm=SPACING_MM,
        origin_mm=(-n_c / 2 * dc, -n_r / 2 * dr, -300.0),
        col_dir=(1.0, 0.0, 0.0),
        row_dir=(0.0, 1.0, 0.0),
        slice_dir=(0.0, 0.0, 1.0),
        sop_instance_uids=tuple(f"2.25.{k}" for k in range(n_k)),
        series_description="CT ABDOMEN <portal venous> 2.5mm",
    )


def place_demo_calipers(window: ViewerWindow, vol: Volume) -> None:
    """Liver window, a bidirectional caliper across the lesion and a coronal long axis."""
    window.set_volume(vol)
    axial, coronal, _sagittal = window.views()
    k0, r0, c0 = LESION_CENTRE_KRC
    axial.set_slice(k0)
    axial.apply_preset(2)
    radius_px = LESION_RADIUS_MM / SPACING_MM[2]
    caliper = axial.add_caliper((c0 - radius_px, r0), (c0 + radius_px, r0), bidirectional=True)
    coronal.set_slice(r0)
    coronal_row = vol.shape[0] - 1 - k0  # head at the top: display rows are flipped
    long_axis = coronal.add_caliper((c0, coronal_row - 6.6), (c0, coronal_row + 6.6))
    window.statusBar().showMessage(f"Measured {caliper.measurement().describe()}")
    print(caliper.label_text(), "|", long_axis.label_text())


def main(out: str, dicom: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = ViewerWindow()
    window.resize(1500, 900)
    window.show()

    def shoot() -> None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        screen = app.primaryScreen()
        if app.platformName() == "xcb" and screen is not None:
            frame = window.frameGeometry()
            pixmap = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        else:
            pixmap = window.grab()
        pixmap.save(out)
        print(f"saved {out} ({pixmap.width()}x{pixmap.height()}, {app.platformName()})")
        app.quit()

    if dicom:
        def on_shown(volume: Volume) -> None:
            window.axial_view.apply_preset(2)
            print(f"loaded {volume.shape} spacing {volume.spacing_mm}: "
                  f"{volume.series_description!r}")
            QTimer.singleShot(600, shoot)

        window.sig_volume_shown.connect(on_shown)
        window.open_path(dicom)
        QTimer.singleShot(60_000, app.quit)  # never hang a script
    else:
        place_demo_calipers(window, phantom())
        QTimer.singleShot(600, shoot)
    return int(app.exec())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Screenshot of the viewer window.")
    parser.add_argument("out", nargs="?", default="/tmp/shots/viewer.png")
    parser.add_argument("--dicom", help="load this DICOM folder instead of the numpy phantom")
    args = parser.parse_args()
    sys.exit(main(args.out, args.dicom))
