"""The folder transport: copy each set into a folder head office reads (a mounted share).

With no `[sync] folder` the outbox itself is the hand-off point (head office
mounts or collects it), so there is nothing to copy.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from pos_plugin.settings import Settings
from pos_plugin.sync.fileset import copy_atomic
from pos_plugin.sync.transports import DeliveryError, Sent


@dataclass
class FolderTransport:
    target: Path | None
    name: str = "folder"

    @classmethod
    def from_settings(cls, settings: Settings) -> FolderTransport:
        folder = settings.sync.folder
        return cls(settings.in_home(folder) if folder else None)

    def send(self, directory: Path, names: list[str]) -> Sent:
        missing = [name for name in names if not (directory / name).is_file()]
        if missing:
            raise DeliveryError(f"{directory / missing[0]} is missing from the outbox")
        if self.target is None or self.target.resolve() == directory.resolve():
            return Sent(acknowledged=True, answer=f"left in {directory}")
        try:
            for name in names:  # the manifest is last
                copy_atomic(directory / name, self.target, name)
        except OSError as error:
            reason = error.strerror or error
            raise DeliveryError(f"cannot write to {self.target}: {reason}") from None
        return Sent(acknowledged=True, answer=f"copied to {self.target}")

    def probe(self) -> None:
        if self.target is None:
            return
        try:
            with tempfile.TemporaryFile(dir=self.target):
                pass
        except OSError as error:
            reason = error.strerror or error
            raise DeliveryError(f"cannot write to {self.target}: {reason}") from None

    def close(self) -> None:
        pass
