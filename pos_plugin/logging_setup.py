"""Where the servers log: standard error as ever, and a rotating file in the data directory.

`[logging]` picks the file's format (text, or JSON lines through python-json-logger),
the level, and how large the file grows and how many old ones are kept.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from pos_plugin.settings import LoggingSettings

LOG_DIRECTORY = "logs"
LOG_FILENAME = "pos-plugin.log"
HEADOFFICE_LOG_FILENAME = "headoffice.log"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Names and notes that staff type can end up in a message: the log is the service user's only.
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def log_path(home: Path, filename: str = LOG_FILENAME) -> Path:
    return home / LOG_DIRECTORY / filename


def configure(home: Path, settings: LoggingSettings, filename: str = LOG_FILENAME) -> Path:
    """Send every log record to stderr and to `logs/filename` in `home`; returns its path.

    Replaces the root logger's handlers (python-escpos adds one when imported).
    Raises OSError when the folder or the file cannot be made or opened.
    """
    path = log_path(home, filename)
    path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    path.parent.chmod(DIRECTORY_MODE)
    _create_private(path)
    path.chmod(FILE_MODE)
    to_file = RotatingFileHandler(
        path, maxBytes=settings.max_bytes, backupCount=settings.keep_files, encoding="utf-8"
    )
    to_file.rotator = _rotate
    if settings.format == "json":
        to_file.setFormatter(
            JsonFormatter(
                ["levelname", "name", "message"],
                rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
                timestamp="time",
            )
        )
    # basicConfig gives TEXT_FORMAT to the handlers that have no formatter of their own.
    logging.basicConfig(
        level=settings.level,
        format=TEXT_FORMAT,
        handlers=[logging.StreamHandler(), to_file],
        force=True,
    )
    return path


def _create_private(path: Path) -> None:
    """Make `path` if missing, readable by its owner only whatever the umask."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))


def _rotate(source: str, dest: str) -> None:
    # The handler reopens `source` after this; made here first, the new file is private too.
    os.replace(source, dest)
    _create_private(Path(source))
