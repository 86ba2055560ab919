"""The console's pages as a signed-in manager sees them, and the errors beside their fields."""

from __future__ import annotations

import html as html_module
import re

import pytest

from pos_plugin.models import Role


@pytest.fixture
def maya(make_staff, sign_in, client):
    """The client, signed in as Maya the manager."""
    manager = make_staff(Role.MANAGER, name="Maya", pin="9999")
    assert sign_in(manager, pin="9999").status_code == 302
    return manager


@pytest.fixture
def post(client, csrf):
    def run(url, **data):
        return client.post(url, data={"csrf_token": csrf("/manage/catalog"), **data})

    return run


def errors_beside(html: str, field: str) -> str:
    """The error list rendered right after the field."""
    found = re.search(rf'<ul class="field-errors" id="{field}-errors"[^>]*>(.*?)</ul>', html, re.S)
    assert found, f"no errors beside {field}"
    return html_module.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()
