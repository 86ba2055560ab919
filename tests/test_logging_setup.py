"""The servers' log file: private, rotated at its size, and JSON lines when asked."""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pos_plugin import logging_setup
from pos_plugin.settings import LoggingSettings, SettingsError, parse

log = logging.getLogger("pos_plugin.test")


@pytest.fixture(autouse=True)
def root_logger_restored() -> Iterator[None]:
    """`configure` replaces the root logger's handlers: give the test run its own back.

    Files are made under the common umask 022, which alone would leave them world-readable.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    umask = os.umask(0o022)
    yield
    os.umask(umask)
    for handler in root.handlers:
        handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


posix_modes = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@posix_modes
def test_the_log_file_appears_in_the_data_directory_readable_by_its_owner_only(tmp_path):
    path = logging_setup.configure(tmp_path, LoggingSettings())
    log.info("Serving on %s", "http://127.0.0.1:5000/")

    assert path == tmp_path / "logs" / "pos-plugin.log"
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    assert "INFO pos_plugin.test Serving on http://127.0.0.1:5000/" in path.read_text()


@posix_modes
def test_a_log_folder_left_open_is_closed_again(tmp_path):
    (tmp_path / "logs").mkdir(mode=0o755)
    (tmp_path / "logs" / "pos-plugin.log").write_text("an old line\n")
    (tmp_path / "logs" / "pos-plugin.log").chmod(0o644)

    path = logging_setup.configure(tmp_path, LoggingSettings())

    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
    assert path.read_text().startswith("an old line\n")


def test_messages_below_the_level_are_left_out(tmp_path):
    path = logging_setup.configure(tmp_path, LoggingSettings(level="WARNING"))
    log.info("routine")
    log.warning("printer offline")

    text = path.read_text()
    assert "printer offline" in text
    assert "routine" not in text


@posix_modes
def test_the_file_rotates_at_max_bytes_and_keeps_keep_files_old_ones(tmp_path):
    path = logging_setup.configure(tmp_path, LoggingSettings(max_bytes=1024, keep_files=2))
    for n in range(60):  # about 100 bytes a line: several rotations
        log.info("line %03d %s", n, "x" * 40)

    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["pos-plugin.log", "pos-plugin.log.1", "pos-plugin.log.2"]
    for name in files:
        assert (path.parent / name).stat().st_size <= 1024
        assert mode(path.parent / name) == 0o600
    # The newest lines are in the current file; the oldest went with the dropped files.
    assert "line 059" in path.read_text()
    kept = "".join((path.parent / name).read_text() for name in files)
    assert "line 000" not in kept


def test_json_lines_parse_and_carry_time_level_logger_message_and_exception(tmp_path):
    path = logging_setup.configure(tmp_path, LoggingSettings(format="json"))
    log.warning("Printer %s is offline", "front")
    try:
        raise ConnectionRefusedError("no answer on 9100")
    except ConnectionRefusedError:
        log.exception("The note did not print")

    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert first["level"] == "WARNING"
    assert first["logger"] == "pos_plugin.test"
    assert first["message"] == "Printer front is offline"
    assert datetime.fromisoformat(first["time"]).utcoffset().total_seconds() == 0
    assert "exception" not in first
    assert second["level"] == "ERROR"
    assert "ConnectionRefusedError: no answer on 9100" in second["exception"]


def test_a_log_folder_that_cannot_be_made_is_an_os_error(tmp_path):
    (tmp_path / "logs").write_text("a file where the folder should be")

    with pytest.raises(OSError):  # noqa: PT011 - the CLI names the path and the reason
        logging_setup.configure(tmp_path, LoggingSettings())


def test_an_unknown_log_format_is_refused_naming_the_key(tmp_path):
    with pytest.raises(SettingsError, match=r"logging\.format: Use \"text\" or \"json\""):
        parse({"logging": {"format": "xml"}}, home=tmp_path, source=None, database_url="x")


def test_keep_files_of_zero_is_refused_as_it_would_never_rotate(tmp_path):
    with pytest.raises(SettingsError, match=r"logging\.keep_files"):
        parse({"logging": {"keep_files": 0}}, home=tmp_path, source=None, database_url="x")
