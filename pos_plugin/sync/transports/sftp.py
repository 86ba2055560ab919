"""The SFTP transport: upload each file under a temporary name, then rename it into place.

The server's host key must already be in `[sync] sftp_known_hosts`; an unknown
or changed key is refused, never learnt. A connection that breaks is thrown
away and the next try starts afresh; since names, temporary ones included, are
fixed per set, a retry overwrites what a broken try left, so nothing arrives
twice and no `.part` file is left behind for good.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from pos_plugin.settings import Settings
from pos_plugin.sync.transports import DeliveryError, Refused, Sent


@dataclass
class SftpTransport:
    host: str
    port: int
    user: str
    key_file: Path
    known_hosts: Path
    remote_dir: str
    timeout: float
    name: str = "sftp"
    _client: paramiko.SSHClient | None = field(default=None, repr=False)
    _sftp: paramiko.SFTPClient | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> SftpTransport:
        sync = settings.sync
        return cls(
            host=sync.sftp_host,
            port=sync.sftp_port,
            user=sync.sftp_user,
            key_file=settings.in_home(sync.sftp_key),
            known_hosts=settings.in_home(sync.sftp_known_hosts),
            remote_dir=sync.sftp_dir,
            timeout=sync.timeout,
        )

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    def _session(self) -> paramiko.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        client = paramiko.SSHClient()
        try:
            client.load_host_keys(str(self.known_hosts))
        except OSError as error:
            raise Refused(f"cannot read sftp_known_hosts {self.known_hosts}: {error}") from None
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.user,
                key_filename=str(self.key_file),
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
                channel_timeout=self.timeout,
                look_for_keys=False,
                allow_agent=False,
            )
        except paramiko.BadHostKeyException:
            client.close()
            raise Refused(
                f"the host key of {self.host} differs from the one in {self.known_hosts}: "
                "refusing to send (check with head office before changing the file)"
            ) from None
        except paramiko.AuthenticationException as error:
            client.close()
            raise Refused(f"{self.where} refused the key {self.key_file}: {error}") from None
        except (paramiko.SSHException, OSError, EOFError) as error:
            client.close()
            raise DeliveryError(f"cannot connect to {self.where}: {error}") from None
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(self.timeout)  # type: ignore[union-attr]
        self._client, self._sftp = client, sftp
        return sftp

    def send(self, directory: Path, names: list[str]) -> Sent:
        sftp = self._session()
        try:
            for name in names:  # the manifest is last
                final = posixpath.join(self.remote_dir, name)
                # One temporary name per file, whichever process sends it: the next try
                # overwrites what a broken one left, instead of leaving it there for good.
                temp = posixpath.join(self.remote_dir, f".{name}.part")
                sftp.put(str(directory / name), temp, confirm=True)
                sftp.posix_rename(temp, final)
        except FileNotFoundError as error:
            raise DeliveryError(f"{error.filename or error}: no such file") from None
        except (paramiko.SSHException, OSError, EOFError) as error:
            self.close()  # a broken connection is not used again
            raise DeliveryError(
                f"upload to {self.where} broke off: {error or type(error).__name__}"
            ) from None
        return Sent(acknowledged=True, answer=f"renamed into place on {self.where}")

    def probe(self) -> None:
        try:
            self._session().stat(self.remote_dir)
        except (paramiko.SSHException, OSError, EOFError) as error:
            raise DeliveryError(
                f"cannot open {self.remote_dir} on {self.where}: {error or type(error).__name__}"
            ) from None
        finally:
            self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None
