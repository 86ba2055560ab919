"""`pos-plugin webhook add|list|remove` and the console's Webhooks page."""

from __future__ import annotations

import re

import pytest

from pos_plugin.cli import cli


def test_add_prints_the_secret_alone_on_stdout_and_list_and_remove_follow_it(
    runner, receivers, worker, tap, real_time
):
    receiver = receivers()
    added = runner.invoke(cli, ["webhook", "add", receiver.url, "--events", "comp.created"])

    assert added.exit_code == 0, added.output
    [secret] = added.stdout.splitlines()
    assert secret.startswith("whsec_")
    assert "shown only this once" in added.stderr
    tap()
    worker.step()
    listed = runner.invoke(cli, ["webhook", "list"])
    assert listed.stdout.startswith(f"1  {receiver.url}  comp.created  waiting 0; ")
    assert "last: comp.created delivered (HTTP 200, 1 tries)" in listed.stdout
    assert secret not in listed.stdout, "the secret is shown once"

    removed = runner.invoke(cli, ["webhook", "remove", receiver.url])

    assert removed.exit_code == 0, removed.output
    assert f"nothing more is sent to {receiver.url}" in removed.stdout
    tap()
    worker.step()
    assert len(receiver.seen) == 1
    assert "No webhooks yet" in runner.invoke(cli, ["webhook", "list"]).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://till.local/x", "--events", "comp.created"], "is not an http:// or https:// URL"),
        (["till.local/hooks", "--events", "comp.created"], "is not an http:// or https:// URL"),
        (["https://", "--events", "comp.created"], "names no host"),
        (["http://till.local:99999/", "--events", "comp.created"], "names no host"),
        (["https://a:b@till.local/", "--events", "comp.created"], "no user name or password"),
        (["https://till.local/", "--events", "comp.made"], "Unknown event 'comp.made'; choose"),
        (["https://till.local/", "--events", ","], "Choose at least one event"),
        (["https://till.local/"], "Missing option '--events'"),
    ],
)
def test_bad_input_is_one_clear_line_and_adds_nothing(runner, args, message):
    result = runner.invoke(cli, ["webhook", "add", *args])

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert "No webhooks yet" in runner.invoke(cli, ["webhook", "list"]).stdout


def test_removing_an_unknown_webhook_says_so(runner):
    for name in ("7", "https://nowhere.example/"):
        result = runner.invoke(cli, ["webhook", "remove", name])
        assert result.exit_code == 1
        assert "webhook list" in result.output


def test_the_page_adds_a_webhook_showing_its_secret_once(
    client, csrf, webhooks_page, receivers, worker, tap, clock
):
    receiver = receivers()
    webhooks_page()
    token = csrf("/manage/webhooks")
    answer = client.post(
        "/manage/webhooks",
        data={"csrf_token": token, "url": receiver.url, "events": ["comp.created", "comp.voided"]},
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    [secret] = re.findall(r"<code>(whsec_[^<]+)</code>", html)
    assert receiver.url in html
    tap()
    worker.step()
    page = webhooks_page()
    assert secret not in page
    assert "comp.created, comp.voided" in page
    assert receiver.delivered[0].headers["webhook-id"] in page
    assert "HTTP 200 thanks" in page


def test_the_page_refuses_a_bad_url_beside_the_field_and_keeps_nothing(client, csrf, webhooks_page):
    webhooks_page()
    answer = client.post(
        "/manage/webhooks",
        data={"csrf_token": csrf("/manage/webhooks"), "url": "ftp://x", "events": "comp.created"},
    )

    assert answer.status_code == 422
    assert "is not an http:// or https:// URL" in answer.get_data(as_text=True)
    assert "No webhook yet." in webhooks_page()


def test_the_page_needs_its_csrf_token(client, webhooks_page):
    webhooks_page()
    answer = client.post(
        "/manage/webhooks", data={"url": "https://x.example/", "events": "comp.created"}
    )

    assert answer.status_code in (400, 403)
    assert "No webhook yet." in webhooks_page()


def test_the_page_removes_a_webhook(client, csrf, webhooks_page, add_endpoint):
    add_endpoint("https://loyalty.example/hooks")
    assert "https://loyalty.example/hooks" in webhooks_page()
    token = csrf("/manage/webhooks")
    answer = client.post(
        "/manage/webhooks/1/remove", data={"csrf_token": token, "next": "/manage/webhooks"}
    )

    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Nothing more is sent to https://loyalty.example/hooks." in page
    assert "No webhook yet." in page
