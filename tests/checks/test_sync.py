"""The sync checks: a destination that cannot be written to, and days that did not go out."""

from __future__ import annotations

import dataclasses
import socket
from datetime import timedelta

import pytest

from pos_plugin.checks import Status, sync
from pos_plugin.sync import jobs, transports


def test_a_store_whose_days_stayed_home_for_three_days_warns_until_the_sync_runs(
    app_ctx, settings, clock, make_item, client, auth
):
    item = make_item()
    headers = auth("till") | {"Idempotency-Key": "k1"}
    assert (
        client.post("/api/v1/comps", json={"item_id": item.id}, headers=headers).status_code == 201
    )
    clock.now += timedelta(days=4)

    late = sync.last_day(settings, clock.now)

    assert late.status is Status.WARN
    assert str(late.message) == (
        "The nightly sync is behind: head office has no business day yet. Check that "
        "`pos-plugin serve` is running (it sends each night at 04:30), or run "
        "`pos-plugin sync run`."
    )
    transport = transports.make(settings)
    jobs.run_once(settings, transport, lambda: clock.now)
    sent = sync.last_day(settings, clock.now)
    assert (sent.status, str(sent.message)) == (
        Status.OK,
        "Head office has every closed business day, up to 2026-11-27.",
    )


def test_a_sync_folder_that_is_not_there_fails_the_destination(app_ctx, settings, clock, tmp_path):
    share = tmp_path / "share-not-mounted"
    settings = dataclasses.replace(
        settings, sync=dataclasses.replace(settings.sync, folder=str(share))
    )

    found = sync.destination(settings, clock.now)

    assert found.status is Status.FAIL
    assert str(found.message) == (
        f"The nightly sync cannot reach head office (folder): cannot write to {share}: No such "
        "file or directory. Check the network and the [sync] settings, then run "
        "`pos-plugin sync run`."
    )
    share.mkdir()
    assert sync.destination(settings, clock.now).status is Status.OK


@pytest.mark.parametrize("transport", ["sftp", "https"])
def test_a_head_office_server_that_is_down_fails_the_destination(
    app_ctx, settings, clock, tmp_path, transport
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    (tmp_path / "known_hosts").write_text("", encoding="utf-8")
    keys = {
        "sftp": {
            "sftp_host": "127.0.0.1",
            "sftp_port": port,
            "sftp_user": "store",
            "sftp_key": str(tmp_path / "key"),
            "sftp_known_hosts": str(tmp_path / "known_hosts"),
        },
        "https": {"https_url": f"http://127.0.0.1:{port}", "https_token": "t"},
    }[transport]
    settings = dataclasses.replace(
        settings,
        sync=dataclasses.replace(settings.sync, transport=transport, timeout=2, **keys),
    )

    found = sync.destination(settings, clock.now)

    assert found.status is Status.FAIL
    message = str(found.message)
    assert message.startswith(f"The nightly sync cannot reach head office ({transport}): ")
    assert str(port) in message  # the address it could not reach
