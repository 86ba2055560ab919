"""SFTP delivery against a real OpenSSH server on loopback, started by the tests."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pos_plugin.models import BatchState
from pos_plugin.sync import batches
from pos_plugin.sync.deliver import deliver_due
from pos_plugin.sync.transports.sftp import SftpTransport

from .faults import FaultyProxy

SSHD = "/usr/sbin/sshd"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class Sshd:
    port: int
    host_key_pub: str
    client_key: Path
    remote_dir: Path

    def known_hosts(self, path: Path, *ports: int) -> Path:
        path.write_text("".join(f"[127.0.0.1]:{p} {self.host_key_pub}\n" for p in ports))
        return path


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory):
    if not Path(SSHD).exists():
        pytest.skip("openssh-server is not installed (make test installs it: .ci/sshd)")
    base = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / name)], check=True
        )
    (base / "authorized_keys").write_text((base / "client_key.pub").read_text())
    port = _free_port()
    config = base / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base / 'host_key'}\n"
        f"AuthorizedKeysFile {base / 'authorized_keys'}\nPidFile {base / 'sshd.pid'}\n"
        "StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nPermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    log = base / "sshd.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=stderr)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {log.read_text()}") from None
            time.sleep(0.05)
    host_pub = " ".join((base / "host_key.pub").read_text().split()[:2])
    yield Sshd(port, host_pub, base / "client_key", base)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def remote(sshd: Sshd, tmp_path: Path) -> Path:
    folder = tmp_path / "sftp-inbox"
    folder.mkdir()
    return folder


def transport_for(sshd: Sshd, remote: Path, port: int, known_hosts: Path) -> SftpTransport:
    import getpass

    return SftpTransport(
        host="127.0.0.1",
        port=port,
        user=getpass.getuser(),
        key_file=sshd.client_key,
        known_hosts=known_hosts,
        remote_dir=str(remote),
        timeout=10,
    )


def deliver_over_a_line_cut_once(app, sshd, remote, tmp_path, clock, **tries):
    """Deliver the due sets through a proxy that cuts the first connection 60 kB in."""
    proxy = FaultyProxy(sshd.port, cut_after={1: 60_000})
    transport = transport_for(
        sshd, remote, proxy.port, sshd.known_hosts(tmp_path / "known_hosts", proxy.port)
    )
    try:
        with app.app_context():
            [delivery] = deliver_due(transport, lambda: clock.now, 3600, **tries)
    finally:
        transport.close()
        proxy.close()
    return delivery, proxy


def test_a_connection_dropped_mid_upload_is_retried_and_nothing_arrives_twice(
    app, sshd, remote, tmp_path, bulk_comps, sync_cli, clock
):
    bulk_comps(MONDAY, 400)  # a comps file of about 200 kB
    assert sync_cli("export").exit_code == 0
    delivery, proxy = deliver_over_a_line_cut_once(
        app, sshd, remote, tmp_path, clock, tries=3, first_pause=0.01
    )

    assert proxy.broken == [1]
    assert proxy.connections == 2
    assert delivery.batch.state is BatchState.ACKNOWLEDGED
    assert sorted(p.name for p in remote.iterdir()) == sorted(
        f"test-cafe_2026-11-23_001.{k}"
        for k in ("comps.csv", "shifts.csv", "stories.csv", "manifest.json")
    )
    outbox = Path(app.config["POS_PLUGIN_SETTINGS"].home) / "outbox"
    for sent in remote.iterdir():
        assert sent.read_bytes() == (outbox / sent.name).read_bytes()


def test_a_server_whose_host_key_is_not_known_is_refused(
    app, sshd, remote, tmp_path, give, sync_cli, clock
):
    give(MONDAY)
    sync_cli("export")
    stranger = tmp_path / "known_hosts"
    stranger.write_text(
        f"[127.0.0.1]:{sshd.port} ssh-ed25519 " + "AAAAC3NzaC1lZDI1NTE5AAAAI" + "A" * 43 + "\n"
    )
    transport = transport_for(sshd, remote, sshd.port, stranger)
    with app.app_context():
        [delivery] = deliver_due(transport, lambda: clock.now, 3600, tries=3, first_pause=0.01)
        status = batches.recent()

    assert delivery.batch.state is BatchState.FAILED
    assert "host key of 127.0.0.1 differs" in delivery.detail
    assert status[0].next_attempt_at is None  # a person must look: no automatic retry
    assert list(remote.iterdir()) == []


def test_a_broken_upload_s_temporary_file_is_replaced_by_a_retry_from_another_process(
    app, sshd, remote, tmp_path, bulk_comps, sync_cli, clock, monkeypatch
):
    bulk_comps(MONDAY, 400)  # a comps file of about 200 kB
    assert sync_cli("export").exit_code == 0
    first, _ = deliver_over_a_line_cut_once(app, sshd, remote, tmp_path, clock)
    assert first.batch.state is BatchState.FAILED
    left = [p.name for p in remote.iterdir()]
    assert left == [".test-cafe_2026-11-23_001.comps.csv.part"]

    # `sync run` from cron the next time: another process, another pid.
    monkeypatch.setattr("os.getpid", lambda: 424242)
    retry = transport_for(sshd, remote, sshd.port, sshd.known_hosts(tmp_path / "kh", sshd.port))
    try:
        with app.app_context():
            [second] = deliver_due(retry, lambda: clock.now, 3600, waiting_too=True)
    finally:
        retry.close()

    assert second.batch.state is BatchState.ACKNOWLEDGED
    assert not [p.name for p in remote.iterdir() if p.name.startswith(".")]
