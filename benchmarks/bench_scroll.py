"""Scroll rate: our ImageView against a bare pyqtgraph ImageItem, in the same process.

Both show a 300x512x512 int16 synthetic volume in an 800x800 widget with fixed levels
(W400/L40). One frame = change the slice, then ``widget.grab()`` (forces a full scene paint;
offscreen there is no vsync). Runs alternate between the two so that machine noise hits both.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_scroll.py [--repeats 5]

Goal (docs/benchmarks.md, "Scrolling"): ours >= 0.5x the bare ImageItem rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from viewer.dicom.volume import Volume  # noqa: E402
from viewer.image_view import ImageView  # noqa: E402

LEVELS = (-160.0, 240.0)


def synthetic_volume(n: int, size: int) -> np.ndarray:
    """int16 HU volume: noisy body disc with a liver-like ellipse that changes per slice."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:size, 0:size]
    c = size / 2
    body = ((xx - c) / (0.45 * size)) ** 2 + ((yy - c) / (0.35 * size)) ** 2 < 1
    vol = np.full((n, size, size), -1000, dtype=np.int16)
    noise = rng.normal(0, 12, size=(size, size)).astype(np.int16)
    for k in range(n):
        r = 0.15 * size * (1 + 0.5 * np.sin(k / n * np.pi))
        liver = ((xx - 0.4 * size) / r) ** 2 + ((yy - c) / (0.8 * r)) ** 2 < 1
        s = vol[k]
        s[body] = 40
        s[liver] = 110
        s += np.roll(noise, k, axis=1)
    return vol


def bare_widget(vol: np.ndarray) -> tuple[QWidget, Callable[[int], None]]:
    """pg.GraphicsView + ViewBox(lockAspect, invertY) + ImageItem: the reference."""
    view = pg.GraphicsView(useOpenGL=False)
    box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    view.setCentralItem(box)
    item = pg.ImageItem(axisOrder="row-major")
    box.addItem(item)
    item.setImage(vol[0], autoLevels=False, levels=LEVELS)
    box.autoRange(padding=0)

    def show(k: int) -> None:
        item.setImage(vol[k], autoLevels=False, levels=LEVELS)

    return view, show


def our_widget(vol: np.ndarray) -> tuple[QWidget, Callable[[int], None]]:
    """Our ImageView (overlay text, calipers machinery, signals)."""
    n = vol.shape[0]
    volume = Volume(vol, (1.0, 0.75, 0.75), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0),
                    (0.0, 0.0, 1.0), tuple(str(k) for k in range(n)),
                    series_description="Bench <venous>")
    view = ImageView()
    view.set_volume(volume, slice_index=0)
    view.set_window(400, 40)
    view.add_caliper((100.0, 100.0), (200.0, 180.0), bidirectional=True)
    return view, view.set_slice


def run(widget: QWidget, show: Callable[[int], None], n: int, app: QApplication) -> float:
    """Scroll through all ``n`` slices once; return ms per frame."""
    show(n - 1)
    widget.grab()
    app.processEvents()
    t0 = time.perf_counter()
    for k in range(n):
        show(k)
        widget.grab()
    app.processEvents()
    return (time.perf_counter() - t0) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--widget", type=int, default=800, help="widget edge in pixels")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(imageAxisOrder="row-major", useOpenGL=False)
    t0 = time.perf_counter()
    vol = synthetic_volume(args.slices, args.size)
    print(f"volume {vol.shape} {vol.dtype} built in {time.perf_counter() - t0:.1f} s")
    widgets = {"bare ImageItem": bare_widget(vol), "ours (ImageView)": our_widget(vol)}
    for w, _ in widgets.values():
        w.resize(args.widget, args.widget)
        w.show()
    app.processEvents()
    times: dict[str, list[float]] = {name: [] for name in widgets}
    for _ in range(args.repeats):
        for name, (w, show) in widgets.items():
            times[name].append(run(w, show, args.slices, app))
    print(f"{args.slices} slices of {args.size}^2 int16, widget {args.widget}^2, "
          f"median of {args.repeats} runs (ms/frame, min-max)")
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"  {name:18s} {med[name]:6.2f} ms ({min(t):.2f}-{max(t):.2f})"
              f"  = {1000 / med[name]:6.0f} fps")
    ratio = med["bare ImageItem"] / med["ours (ImageView)"]
    print(f"  ratio ours/bare (fps) = {ratio:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
