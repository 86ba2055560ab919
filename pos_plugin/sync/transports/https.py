"""The HTTPS transport: POST each file to head office's receiver, the manifest last.

The receiver queues the set for its ingest worker (202); `GET` on the
manifest's name then says what became of it, and an "ingested" or "already
ingested" answer is the acknowledgement. The transport waits for it up to
`timeout`; a set still queued then, or whose answer was lost, is asked about
first on the next try, and sent again only if head office does not have it.
A refusal that sending again cannot cure (401, 403, 413, 422 and the like) is
`Refused`, even when it arrives as the receiver hangs up on a body it will not
read. The server certificate is always verified (system trust, or `https_ca_file`).
"""

from __future__ import annotations

import http.client
import ssl
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from pos_plugin import json_limits
from pos_plugin.settings import Settings
from pos_plugin.sync.fileset import MANIFEST_SUFFIX, sha256_of_file
from pos_plugin.sync.transports import DeliveryError, Refused, Sent

UPLOAD_PATH = "/api/v1/sync/upload/"
# Answers that say the request itself is wrong: sending it again unchanged cannot help.
FINAL = frozenset({400, 401, 403, 404, 405, 409, 411, 413, 414, 422})
# Asked what became of a set: never sent, refused before, or a receiver that cannot say.
ASKED = frozenset({404, 405, 422})


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
        manifest = names[-1]  # the manifest is last
        status, detail = self._request("GET", manifest)
        if status == 200:
            return Sent(acknowledged=True, answer=detail)  # it arrived before; the answer was lost
        if status != 202:  # not there (404), refused before (422): send it (again)
            for name in names:
                status, detail = self._request("POST", name, directory / name)
                if status == 200 and name == manifest:
                    return Sent(acknowledged=True, answer=detail)  # a receiver ingesting at once
        return self._await(manifest)

    def _await(self, manifest: str) -> Sent:
        """Ask for the set's outcome until `timeout`; still queued then, the next try asks."""
        deadline = time.monotonic() + self.timeout
        pause = 0.05
        while True:
            status, detail = self._request("GET", manifest)
            if status == 200:
                return Sent(acknowledged=True, answer=detail)
            if status == 422:
                raise Refused(f"head office refused {manifest}: {detail}")
            if time.monotonic() + pause > deadline:
                return Sent(acknowledged=False, answer=f"{manifest}: queued at head office")
            time.sleep(pause)
            pause = min(1.0, pause * 2)

    def _request(self, method: str, name: str, body_path: Path | None = None) -> tuple[int, str]:
        """(status, detail) of one request; a final refusal is `Refused`, the rest retryable."""
        base = urlsplit(self.url).path.rstrip("/")
        target = base + UPLOAD_PATH + quote(name)
        headers = {"Authorization": f"Bearer {self.token}"}
        if body_path is not None:
            headers |= {
                "Content-Type": "application/octet-stream",
                "Content-Length": str(body_path.stat().st_size),
                "X-Content-SHA256": sha256_of_file(body_path),
            }
        what = (
            "no answer about the set"
            if method == "GET"
            else "no answer to the manifest"
            if name.endswith(MANIFEST_SUFFIX)
            else "upload"
        )
        connection = self._connection()
        broke: OSError | http.client.HTTPException | None = None
        try:
            # Not reached at all: nothing was sent, and there is no answer to read.
            connection.connect()
            try:
                with body_path.open("rb") if body_path else nullcontext() as body:
                    connection.request(method, target, body=body, headers=headers)
            except (OSError, http.client.HTTPException) as error:
                if isinstance(error, ssl.SSLCertVerificationError):
                    raise
                # A receiver that refuses a body answers and hangs up before it is all sent:
                # its answer (a 413, a 401) is still there to read.
                broke = error
            response = connection.getresponse()
            raw = response.read(64 * 1024)
        except ssl.SSLCertVerificationError as error:
            raise Refused(
                f"the receiver's certificate is not trusted: {error.verify_message}"
            ) from None
        except (OSError, http.client.HTTPException) as error:
            reason = broke or error
            raise DeliveryError(f"{what} ({name}): {reason or type(reason).__name__}") from None
        finally:
            connection.close()
        return response.status, _answer(name, response.status, raw, asking=method == "GET")

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


def _answer(name: str, status: int, raw: bytes, *, asking: bool) -> str:
    try:
        # Limited: whatever answers at that address, its reply cannot crash the sync.
        body = json_limits.loads(raw)
        detail = str(body.get("detail") or body.get("status"))
    except (ValueError, AttributeError):
        detail = raw[:200].decode("utf-8", "replace")
    if 200 <= status < 300 or (asking and status in ASKED):
        return detail
    message = f"head office answered {status} to {name}: {detail}"
    if status in FINAL:
        raise Refused(message)
    raise DeliveryError(message)
