"""How a file set travels to head office: a folder (default), SFTP or HTTPS.

Every transport sends the data files first and the manifest last, each under
a temporary name renamed into place (or streamed to a receiver that does the
same), so head office never sees a manifest whose files are not all there.
Sending a set again is harmless: names are fixed per (store, day, sequence)
and head office ingests each set once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pos_plugin.settings import Settings


class DeliveryError(Exception):
    """The set did not arrive (or its arrival is unknown); trying again may help."""


class Refused(DeliveryError):
    """Head office received the set and refused it: sending it again will not help."""


@dataclass(frozen=True)
class Sent:
    """The set arrived; `acknowledged` when head office confirmed it, with its words."""

    acknowledged: bool
    answer: str


class Transport(Protocol):
    name: str

    def send(self, directory: Path, names: list[str]) -> Sent: ...

    def probe(self) -> None:
        """Reach the destination without sending a set; `DeliveryError` says why not."""

    def close(self) -> None: ...


def make(settings: Settings) -> Transport:
    """The transport `[sync] transport` names, built from its keys."""
    kind = settings.sync.transport
    if kind == "sftp":
        from pos_plugin.sync.transports.sftp import SftpTransport

        return SftpTransport.from_settings(settings)
    if kind == "https":
        from pos_plugin.sync.transports.https import HttpsTransport

        return HttpsTransport.from_settings(settings)
    from pos_plugin.sync.transports.folder import FolderTransport

    return FolderTransport.from_settings(settings)
