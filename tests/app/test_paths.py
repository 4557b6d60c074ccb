"""The user data folder follows each platform's convention."""

from __future__ import annotations

from pathlib import Path

from app.paths import default_database_path, user_data_dir


def test_linux_uses_xdg_data_home() -> None:
    env = {"HOME": "/home/ana", "XDG_DATA_HOME": "/data/ana"}
    assert default_database_path("linux", env) == Path(
        "/data/ana/mrecist-workstation/mrecist.sqlite3")


def test_linux_default_and_relative_xdg_is_ignored() -> None:
    expected = Path("/home/ana/.local/share/mrecist-workstation")
    assert user_data_dir("linux", {"HOME": "/home/ana"}) == expected
    assert user_data_dir("linux", {"HOME": "/home/ana", "XDG_DATA_HOME": "rel"}) == expected


def test_macos_and_windows() -> None:
    assert user_data_dir("darwin", {"HOME": "/Users/ana"}) == Path(
        "/Users/ana/Library/Application Support/mrecist-workstation")
    assert user_data_dir("win32", {"LOCALAPPDATA": "C:/Users/ana/AppData/Local"}) == Path(
        "C:/Users/ana/AppData/Local/mrecist-workstation")
