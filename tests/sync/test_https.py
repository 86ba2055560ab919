"""HTTPS delivery to `headoffice serve`: TLS verified, token checked, a lost answer retried.

The served head office (`head_office`, `serve_head_office`) is in conftest.py."""

from __future__ import annotations

import dataclasses
import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme

from pos_plugin.headoffice.worker import IngestWorker
from pos_plugin.models import BatchState
from pos_plugin.sync.deliver import deliver_due

from .conftest import https, sets_and_comps
from .faults import FaultyProxy

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_an_upload_whose_answer_is_lost_is_asked_about_and_ingested_once(
    app, head_office, give, sync_cli, clock
):
    give(MONDAY)
    give(MONDAY, note="Happy birthday!")
    assert sync_cli("export").exit_code == 0
    # One connection per request: the question (1), three data files, the manifest (5) last,
    # whose answer never arrives.
    manifest = next((Path(app.config["POS_PLUGIN_SETTINGS"].home) / "outbox").glob("*.json"))
    proxy = FaultyProxy(head_office.port, swallow_answer={5: manifest.stat().st_size})
    try:
        with app.app_context():
            [delivery] = deliver_due(
                https(head_office, proxy.port), lambda: clock.now, 3600, tries=2, first_pause=0.01
            )
    finally:
        proxy.close()

    assert proxy.broken == [5]
    assert delivery.batch.state is BatchState.ACKNOWLEDGED
    # The second try asked what became of the set instead of sending it again.
    assert delivery.batch.acknowledgement == "ingested: 2 comps of test-cafe on 2026-11-23"
    assert sets_and_comps(head_office.engine) == (1, 2)
    archive = head_office.home / "headoffice/archive/test-cafe"
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


def test_a_set_still_queued_is_asked_about_on_the_next_try_not_sent_again(
    app, serve_head_office, give, sync_cli, clock, settings
):
    head_office = serve_head_office(worker_running=False)
    give(MONDAY)
    sync_cli("export")
    proxy = FaultyProxy(head_office.port)
    # The proxy passes on no close, so a request through it waits out the timeout: keep it
    # short, but not so tight that a busy machine misses it (0.2 s did).
    transport = dataclasses.replace(https(head_office, proxy.port), timeout=1.0)
    try:
        with app.app_context():
            [queued] = deliver_due(transport, lambda: clock.now, 3600)
        assert queued.batch.state is BatchState.DELIVERED
        assert queued.detail == "test-cafe_2026-11-23_001.manifest.json: queued at head office"
        ho_settings = dataclasses.replace(settings, home=head_office.home)
        IngestWorker(ho_settings, head_office.engine, lambda: MONDAY).run_once()
        sent = proxy.connections
        with app.app_context():
            [later] = deliver_due(transport, lambda: clock.now, 3600, waiting_too=True)
    finally:
        proxy.close()

    assert later.batch.state is BatchState.ACKNOWLEDGED
    assert later.detail == "ingested: 1 comps of test-cafe on 2026-11-23"
    assert proxy.connections == sent + 1  # one question, no file sent again
    assert sets_and_comps(head_office.engine) == (1, 1)
