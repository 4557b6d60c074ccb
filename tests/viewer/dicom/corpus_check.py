"""Load every file of pydicom's test files and pydicom-data; print one JSON line per file.

Run in a subprocess by ``test_malformed.py`` so that a crash in a native decoder fails the test
with the file's name instead of killing pytest. Each line:
``{"file": ..., "status": "ok" | "error" | "unexpected", "type": ..., "message": ...}``.
Before each file its path is written to stderr, so the last stderr line names a crashing file.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
import warnings

import pydicom.data

from viewer.dicom import DicomLoadError, load_series


def corpus_files() -> list[str]:
    """Every regular file pydicom knows as test data (its own and pydicom-data's)."""
    return sorted(f for f in pydicom.data.get_testdata_files() if os.path.isfile(f))


def main() -> int:
    faulthandler.enable()
    warnings.simplefilter("ignore")  # pydicom warns about the deliberately broken files
    for path in corpus_files():
        sys.stderr.write(path + "\n")
        sys.stderr.flush()
        row: dict[str, object] = {"file": path}
        try:
            vol = load_series([path])
            row.update(status="ok", shape=list(vol.shape), dtype=str(vol.voxels.dtype))
        except DicomLoadError as exc:
            row.update(status="error", type=type(exc).__name__, message=str(exc))
        except BaseException as exc:  # noqa: BLE001 - the point is to catch everything
            row.update(status="unexpected", type=type(exc).__name__, message=str(exc))
        sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
