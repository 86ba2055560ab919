"""A file set's names on disk, and writing a file so no reader ever sees half of it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DATA_KINDS = ("comps", "shifts", "stories")
MANIFEST_SUFFIX = ".manifest.json"

_NAME = re.compile(
    r"^(?P<store>[a-z0-9][a-z0-9-]{0,39})_(?P<date>\d{4}-\d{2}-\d{2})_(?P<seq>\d{3,9})"
    r"\.(?P<kind>comps\.csv|shifts\.csv|stories\.csv|manifest\.json)$"
)


@dataclass(frozen=True)
class SetName:
    store_id: str
    business_date: date
    sequence: int

    @property
    def stem(self) -> str:
        return f"{self.store_id}_{self.business_date.isoformat()}_{self.sequence:03d}"

    @property
    def manifest(self) -> str:
        return self.stem + MANIFEST_SUFFIX

    def data_file(self, kind: str) -> str:
        return f"{self.stem}.{kind}.csv"

    def all_files(self) -> list[str]:
        """Data files first, the manifest last: the order every writer and sender keeps."""
        return [self.data_file(kind) for kind in DATA_KINDS] + [self.manifest]


def parse_name(name: str) -> tuple[SetName, str] | None:
    """(set, kind) for a file name of a set, kind being e.g. "comps.csv"; None if it is not one."""
    found = _NAME.match(name)
    if found is None:
        return None
    try:
        day = date.fromisoformat(found["date"])
    except ValueError:
        return None
    return SetName(found["store"], day, int(found["seq"])), found["kind"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` survive a power cut (POSIX; a no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_name(name: str) -> str:
    """A dot-name no reader of the folder takes for a file of a set."""
    return f".{name}.{os.getpid()}.part"


def copy_atomic(source: Path, directory: Path, name: str) -> Path:
    """`write_atomic` for a file on disk, copied in chunks."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / name
    temp = directory / temp_name(name)
    try:
        with source.open("rb") as reader, temp.open("wb") as stream:
            shutil.copyfileobj(reader, stream, 1024 * 1024)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(directory)
    return final


def write_atomic(directory: Path, name: str, data: bytes) -> Path:
    """Write under a temporary name, fsync, rename into place, fsync the folder."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / name
    temp = directory / temp_name(name)
    try:
        with temp.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(directory)
    return final
