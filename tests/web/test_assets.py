"""Static files named by their content: kept by browsers for a year, fetched again only when
they change."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from pos_plugin.web import assets


def referenced(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)


def test_pages_name_each_asset_by_its_digest_and_it_is_kept_a_year(client):
    names = referenced(client.get("/signin").get_data(as_text=True))

    assert {re.sub(r"\.[0-9a-f]{12}\.", ".", name) for name in names} == {
        "/assets/favicon.svg",
        "/assets/app.css",
    }
    for name in names:
        with client.get(name) as response:
            assert response.status_code == 200
            cache = response.cache_control
            assert (cache.max_age, cache.public, cache.immutable) == (31_536_000, True, True)
            assert not cache.no_cache
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_digest_that_is_not_the_files_is_not_found(client):
    assert client.get("/assets/app.000000000000.css").status_code == 404
    assert client.get("/assets/nothing.0123456789ab.css").status_code == 404
    assert client.get("/assets/..%2Fsecurity.py").status_code == 404


def test_the_plain_name_still_answers_but_is_checked_each_time(client):
    with client.get("/assets/app.css") as response:
        assert response.status_code == 200
        assert response.cache_control.no_cache
        assert not response.cache_control.immutable


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "FOLDER", tmp_path)
    return tmp_path


def test_a_changed_file_gets_a_new_name_and_the_old_name_is_gone(app, folder):
    probe = folder / "probe.css"
    probe.write_text("body { color: black; }")
    with app.test_request_context():
        before = url_for("web.static", filename="probe.css")
        probe.write_text("body { color: saddlebrown; }")
        after = url_for("web.static", filename="probe.css")
    client = app.test_client()

    assert before != after
    assert client.get(before).status_code == 404
    with client.get(after) as response:
        assert response.get_data(as_text=True) == "body { color: saddlebrown; }"
