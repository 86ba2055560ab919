"""HTTPS delivery to `headoffice serve`: TLS verified, token checked, a lost answer retried."""

from __future__ import annotations

import dataclasses
import json
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme
from sqlalchemy import func, select

from pos_plugin.headoffice import database
from pos_plugin.headoffice.database import read_session
from pos_plugin.headoffice.models import IngestedSet, StoreComp
from pos_plugin.headoffice.receiver import create_app
from pos_plugin.headoffice.server import bound_port, make_server
from pos_plugin.headoffice.stores import add_store
from pos_plugin.models import BatchState
from pos_plugin.sync import signing
from pos_plugin.sync.deliver import deliver_due
from pos_plugin.sync.transports.https import HttpsTransport

from .faults import FaultyProxy

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclasses.dataclass
class HeadOffice:
    port: int
    ca_file: Path
    token: str
    engine: object
    home: Path


@pytest.fixture
def head_office(app, empty_database_url, tmp_path, settings):
    """`headoffice serve` over TLS on loopback, with this store registered."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, ca_file = tmp_path / "cert.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    ca.cert_pem.write_to_path(str(ca_file))
    engine = database.open_database(empty_database_url)
    with database.write_session(engine) as session:
        public = signing.public_key_text(signing.load_or_create(settings.home))
        token = add_store(session, "test-cafe", public, MONDAY).token
    ho_settings = dataclasses.replace(settings, home=tmp_path / "ho-home")
    server = make_server(create_app(ho_settings, engine), "127.0.0.1", 0, cert_file, cert_file)
    # No TLS 1.3 session tickets: after the handshake the server sends nothing but answers,
    # so the fault proxy can tell an answer from the handshake by counting bytes.
    server.ssl_adapter.context.num_tickets = 0
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield HeadOffice(bound_port(server), ca_file, token, engine, ho_settings.home)
    server.stop()
    thread.join(10)
    engine.dispose()


def sets_and_comps(engine):
    with read_session(engine) as session:
        sets = session.scalar(select(func.count()).select_from(IngestedSet))
        comps = session.scalar(select(func.count()).select_from(StoreComp))
    return sets, comps


def https(head_office, port, token=None):
    return HttpsTransport(
        url=f"https://127.0.0.1:{port}/",
        token=token or head_office.token,
        ca_file=head_office.ca_file,
        timeout=10,
    )


def test_an_upload_whose_answer_is_lost_is_sent_again_and_ingested_once(
    app, head_office, give, sync_cli, clock
):
    give(MONDAY)
    give(MONDAY, note="Happy birthday!")
    assert sync_cli("export").exit_code == 0
    # Files go one per connection, the manifest (4th) last: its answer never arrives.
    manifest = next((Path(app.config["POS_PLUGIN_SETTINGS"].home) / "outbox").glob("*.json"))
    proxy = FaultyProxy(head_office.port, swallow_answer={4: manifest.stat().st_size})
    try:
        with app.app_context():
            [delivery] = deliver_due(
                https(head_office, proxy.port), lambda: clock.now, 3600, tries=2, first_pause=0.01
            )
    finally:
        proxy.close()

    assert proxy.broken == [4]
    assert proxy.connections == 8
    assert delivery.batch.state is BatchState.ACKNOWLEDGED
    assert delivery.batch.acknowledgement.startswith("already ingested")
    assert sets_and_comps(head_office.engine) == (1, 2)
    archive = head_office.home / "headoffice/inbox/test-cafe/archive"
    assert len(list(archive.iterdir())) == 4


def test_a_wrong_token_is_refused_and_not_retried_automatically(
    app, head_office, give, sync_cli, clock
):
    give(MONDAY)
    sync_cli("export")
    with app.app_context():
        [delivery] = deliver_due(
            https(head_office, head_office.port, token="ho_wrong"), lambda: clock.now, 3600
        )

    assert delivery.batch.state is BatchState.FAILED
    assert "head office answered 401" in delivery.detail
    assert delivery.batch.next_attempt_at is None
    assert sets_and_comps(head_office.engine) == (0, 0)


def test_a_receiver_whose_certificate_is_not_trusted_is_refused(
    app, head_office, give, sync_cli, clock, tmp_path
):
    give(MONDAY)
    sync_cli("export")
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    transport = dataclasses.replace(https(head_office, head_office.port), ca_file=other_ca)
    with app.app_context():
        [delivery] = deliver_due(transport, lambda: clock.now, 3600)

    assert "certificate is not trusted" in delivery.detail
    assert sets_and_comps(head_office.engine) == (0, 0)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(head_office):
    request = urllib.request.Request(
        f"https://127.0.0.1:{head_office.port}/api/v1/sync/upload/test-cafe_2026-11-23_001.comps.csv",
        data=b"x",
        headers={
            "Authorization": f"Bearer {head_office.token}",
            "Content-Length": str(10**12),
        },
        method="POST",
    )
    import ssl

    context = ssl.create_default_context(cafile=str(head_office.ca_file))
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, context=context, timeout=10)

    assert error.value.code == 413
    assert json.loads(error.value.read())["title"] == "Too large"
