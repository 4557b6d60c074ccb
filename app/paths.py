"""Where the workstation keeps its files (Qt-free, standard library only).

The user data folder follows the platform's convention:

* Linux and other Unix: ``$XDG_DATA_HOME/mrecist-workstation`` (default
  ``~/.local/share/mrecist-workstation``), per the XDG Base Directory specification;
* macOS: ``~/Library/Application Support/mrecist-workstation``;
* Windows: ``%LOCALAPPDATA%\\mrecist-workstation`` (or ``%APPDATA%``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["APP_DIR_NAME", "DATABASE_FILE_NAME", "default_database_path", "user_data_dir"]

APP_DIR_NAME = "mrecist-workstation"
DATABASE_FILE_NAME = "mrecist.sqlite3"


def user_data_dir(platform: str | None = None, environ: dict[str, str] | None = None) -> Path:
    """Return the workstation's user data folder (not created here).

    Parameters
    ----------
    platform : str, optional
        ``sys.platform`` value to use (for tests); default the running platform.
    environ : dict, optional
        Environment to read (for tests); default ``os.environ``.

    Returns
    -------
    pathlib.Path
        An absolute path ending in ``mrecist-workstation``.
    """
    platform = sys.platform if platform is None else platform
    env = dict(os.environ) if environ is None else environ
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or env.get("APPDATA")
        root = Path(base) if base else home / "AppData" / "Local"
    elif platform == "darwin":
        root = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME", "")
        # The XDG spec says a relative value is invalid and must be ignored.
        root = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
    return root / APP_DIR_NAME


def default_database_path(
    platform: str | None = None, environ: dict[str, str] | None = None
) -> Path:
    """Return the default SQLite database file, ``<user data folder>/mrecist.sqlite3``."""
    return user_data_dir(platform, environ) / DATABASE_FILE_NAME
