"""The HTTPS transport: POST each file to head office's receiver, the manifest last.

The receiver answers the manifest only after it ingested the set (or found it
already ingested), so that answer is the acknowledgement. A lost answer is a
failed try; the next one gets "already ingested", which acknowledges it too.
The server certificate is always verified (system trust, or `https_ca_file`).
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from pos_plugin import json_limits
from pos_plugin.settings import Settings
from pos_plugin.sync.fileset import MANIFEST_SUFFIX, sha256_of_file
from pos_plugin.sync.transports import DeliveryError, Refused, Sent

UPLOAD_PATH = "/api/v1/sync/upload/"


@dataclass
class HttpsTransport:
    url: str
    token: str
    ca_file: Path | None
    timeout: float
    name: str = "https"

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpsTransport:
        sync = settings.sync
        return cls(
            url=sync.https_url,
            token=sync.https_token,
            ca_file=settings.in_home(sync.https_ca_file) if sync.https_ca_file else None,
            timeout=sync.timeout,
        )

    def _connection(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.url)
        if parts.scheme == "http":
            return http.client.HTTPConnection(parts.netloc, timeout=self.timeout)
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as error:
            raise Refused(f"cannot read https_ca_file {self.ca_file}: {error}") from None
        return http.client.HTTPSConnection(parts.netloc, timeout=self.timeout, context=context)

    def send(self, directory: Path, names: list[str]) -> Sent:
        answer = ""
        for name in names:  # the manifest is last
            answer = self._post(directory / name, name)
        return Sent(acknowledged=True, answer=answer)

    def _post(self, path: Path, name: str) -> str:
        base = urlsplit(self.url).path.rstrip("/")
        target = base + UPLOAD_PATH + quote(name)
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/octet-stream",
            "Content-Length": str(path.stat().st_size),
            "X-Content-SHA256": sha256_of_file(path),
        }
        connection = self._connection()
        try:
            with path.open("rb") as body:
                connection.request("POST", target, body=body, headers=headers)
                response = connection.getresponse()
                raw = response.read(64 * 1024)
        except ssl.SSLCertVerificationError as error:
            raise Refused(
                f"the receiver's certificate is not trusted: {error.verify_message}"
            ) from None
        except (OSError, http.client.HTTPException) as error:
            what = "no answer to the manifest" if name.endswith(MANIFEST_SUFFIX) else "upload"
            raise DeliveryError(f"{what} ({name}): {error or type(error).__name__}") from None
        finally:
            connection.close()
        return _answer(name, response.status, raw)

    def probe(self) -> None:
        """Connect, and over HTTPS finish the handshake: the certificate is checked too."""
        connection = self._connection()
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as error:
            raise Refused(
                f"the receiver's certificate is not trusted: {error.verify_message}"
            ) from None
        except OSError as error:
            raise DeliveryError(f"cannot connect to {self.url}: {error}") from None
        finally:
            connection.close()

    def close(self) -> None:
        pass  # one connection per file, closed after it


def _answer(name: str, status: int, raw: bytes) -> str:
    try:
        # Limited: whatever answers at that address, its reply cannot crash the sync.
        body = json_limits.loads(raw)
        detail = str(body.get("detail") or body.get("status"))
    except (ValueError, AttributeError):
        detail = raw[:200].decode("utf-8", "replace")
    if 200 <= status < 300:
        return detail
    message = f"head office answered {status} to {name}: {detail}"
    if status in (401, 403, 413, 422):
        raise Refused(message)
    raise DeliveryError(message)
