"""Export a stored read to an ``mrecist-read/1`` file and import such a file (Qt-free).

Export writes the contract JSON (``app.read_json``) atomically: a temporary file in the same
folder, flushed and synced, then renamed over the target. Import validates the file with the
criteria engine (``recist.parse_read``) before anything is stored, and stores it as a new read;
nothing already saved is changed. Invalid files give :class:`ReadFileError` whose ``problems``
are the engine's "field.path: message" lines.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import recist
from app.read_json import ReadFormatError, study_from_read_json, study_to_read_json
from app.storage.repository import StudyRepository

__all__ = ["ReadFileError", "export_read", "import_read", "load_read_file", "validate_read_json"]


class ReadFileError(ValueError):
    """A read file cannot be exported or imported; ``problems`` lists "path: message"."""

    def __init__(self, path: os.PathLike[str] | str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = Path(path)
        self.problems = problems


def validate_read_json(obj: Any) -> list[str]:
    """Return the criteria engine's problems with ``obj`` (empty when it is a valid read)."""
    try:
        recist.parse_read(obj)
    except recist.ReadError as exc:
        return list(exc.problems)
    return []


def export_read(
    repository: StudyRepository,
    read_id: int,
    path: os.PathLike[str] | str,
    *,
    validate: bool = True,
) -> dict[str, Any]:
    """Write a stored read to ``path`` as ``mrecist-read/1`` JSON; return the document.

    Parameters
    ----------
    repository : StudyRepository
        Where the read is stored.
    read_id : int
        The read to export.
    path : path-like
        Target file; replaced atomically (never left half written).
    validate : bool
        Refuse to write a read the criteria engine rejects (default). Pass False to save an
        unfinished read as a draft.

    Raises
    ------
    ReadFileError
        The read is not valid input for ``mrecist assess`` (with ``validate``), or writing
        failed.
    app.storage.StorageError
        The read cannot be loaded.
    """
    study, _version = repository.load_read(read_id)
    document = study_to_read_json(study)
    if validate:
        problems = validate_read_json(document)
        if problems:
            raise ReadFileError(path, problems)
    target = Path(path)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReadFileError(path, [f"$: cannot write the file ({exc.strerror})"]) from exc
    return document


def load_read_file(path: os.PathLike[str] | str) -> dict[str, Any]:
    """Read and validate an ``mrecist-read/1`` file; return the decoded document.

    Raises
    ------
    ReadFileError
        Unreadable file, invalid JSON, or invalid read (the engine's field-path messages).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadFileError(path, [f"$: cannot read the file ({exc})"]) from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"$: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise ReadFileError(path, [message]) from exc
    problems = validate_read_json(obj)
    if problems:
        raise ReadFileError(path, problems)
    return dict(obj)


def import_read(
    repository: StudyRepository, path: os.PathLike[str] | str, *, user_id: str
) -> int:
    """Store the read in ``path`` as a new read and return its id.

    The file is fully validated first; on any problem nothing is stored.

    Raises
    ------
    ReadFileError
        The file is not a valid read.
    app.storage.StorageError
        The database failed (nothing stored).
    """
    obj = load_read_file(path)
    try:
        study = study_from_read_json(obj)
    except ReadFormatError as exc:
        raise ReadFileError(path, exc.problems) from exc
    return repository.create_read(study, user_id=user_id, source=f"import {Path(path).name}")
