"""What admins do from the pages (stores and people) and from the command line; viewers
only read."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pos_plugin.cli import cli
from pos_plugin.headoffice import database, stores, users
from pos_plugin.headoffice.models import UserRole

from .conftest import PASSWORD, csrf_of, sign_in


def post(client, path, **form):
    return client.post(path, data={"csrf_token": csrf_of(client, "/"), **form})


def test_a_viewer_reads_the_reports_but_may_not_manage(viewer):
    assert viewer.get("/").status_code == 200
    assert "/admin/stores" not in viewer.get("/").get_data(as_text=True)
    assert viewer.get("/admin/stores").status_code == 403
    refused = post(viewer, "/admin/users", name="Mallory", role="admin", password=PASSWORD)
    assert refused.status_code == 403
    assert "Only an admin" in refused.get_data(as_text=True)


def test_an_admin_registers_a_store_sees_its_token_once_and_disables_it(admin, register, ho_engine):
    key = register("cafe-east").public
    shown = post(admin, "/admin/stores", store_id="cafe-west", key=key).get_data(as_text=True)
    assert "Registered store cafe-west." in shown
    token = shown.split('<p class="token">')[1].split("</p>")[0]
    assert token.startswith("ho_")
    assert "ho_" not in admin.get("/admin/stores").get_data(as_text=True)

    disabled = post(admin, "/admin/stores/cafe-west/disable")

    assert disabled.status_code == 302
    with database.read_session(ho_engine) as session:
        assert stores.by_token(session, token) is None
    page = admin.get("/admin/stores").get_data(as_text=True)
    assert "cafe-west is disabled: its uploads are refused." in page
    post(admin, "/admin/stores/cafe-west/enable")
    with database.read_session(ho_engine) as session:
        assert stores.by_token(session, token).id == "cafe-west"


def test_a_bad_store_id_or_key_is_a_clear_422_on_the_page(admin, register):
    bad_id = post(admin, "/admin/stores", store_id="Cafe West!", key="x")
    bad_key = post(admin, "/admin/stores", store_id="cafe-west", key="not a key")

    assert bad_id.status_code == 422
    assert "lower-case letters" in bad_id.get_data(as_text=True)
    assert bad_key.status_code == 422
    assert 'value="cafe-west"' in bad_key.get_data(as_text=True)


def test_an_admin_adds_someone_who_can_then_sign_in(admin, ho_app):
    added = post(
        admin, "/admin/users", name="Bea", role="viewer", password=PASSWORD, confirm=PASSWORD
    )
    assert added.status_code == 302
    short = post(admin, "/admin/users", name="Cy", role="viewer", password="short", confirm="short")
    assert short.status_code == 422
    assert "10 to 200 characters" in short.get_data(as_text=True)

    assert sign_in(ho_app.test_client(), "Bea").status_code == 302


def test_a_new_password_or_removal_signs_the_person_out_everywhere(admin, viewer):
    assert (
        post(admin, "/admin/users/Olu/password", password="a brand new secret").status_code == 302
    )
    assert viewer.get("/").status_code == 302
    assert sign_in(viewer, password="a brand new secret").status_code == 302

    assert post(admin, "/admin/users/Olu/remove").status_code == 302
    assert viewer.get("/").status_code == 302


def test_the_only_admin_cannot_be_removed_or_made_a_viewer(admin):
    for path, form in [
        ("/admin/users/Ada/remove", {}),
        ("/admin/users/Ada/role", {"role": "viewer"}),
    ]:
        refused = post(admin, path, **form)
        assert refused.status_code == 422
        assert "only admin" in refused.get_data(as_text=True)
    assert admin.get("/admin/users").status_code == 200


@pytest.fixture
def ho_cli(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("POS_PLUGIN_HOME", str(tmp_path / "ho-home"))
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(
            cli, ["headoffice", "user", *args, "--db", empty_database_url], input=input
        )

    return run


def test_user_add_asks_for_the_password_twice_and_hashes_it(ho_cli, ho_engine):
    added = ho_cli("add", "Ada", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    assert "Ada may sign in to head office as an admin." in added.output
    mismatch = ho_cli("add", "Bea", "--role", "viewer", input=f"{PASSWORD}\nother one!\n" * 3)
    assert mismatch.exit_code != 0
    short = ho_cli("add", "Bea", "--role", "viewer", input="short\nshort\n")
    assert short.exit_code == 2
    assert "10 to 200 characters" in short.output

    assert ho_cli("list").output == "Ada\tadmin\n"
    with database.read_session(ho_engine) as session:
        stored = users.get_user(session, "Ada")
        assert stored.password_hash.startswith("$argon2")
        assert stored.role is UserRole.ADMIN


def test_user_password_and_remove_from_the_command_line(ho_cli):
    ho_cli("add", "Ada", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    ho_cli("add", "Olu", "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")

    changed = ho_cli("password", "Olu", input="another secret!\nanother secret!\n")
    removed = ho_cli("remove", "Olu")
    nobody = ho_cli("remove", "Nobody")
    last_admin = ho_cli("remove", "Ada")

    assert changed.exit_code == 0
    assert "Olu has a new password." in changed.output
    assert removed.exit_code == 0
    assert nobody.exit_code == 2
    assert "Nobody called 'Nobody'" in nobody.output
    assert last_admin.exit_code == 2
    assert ho_cli("list").output == "Ada\tadmin\n"


def test_names_and_keys_no_one_could_have_are_clear_refusals_on_the_pages(admin):
    assert post(admin, "/admin/users/Nobody%00/remove").status_code == 422
    assert post(admin, "/admin/users/Nobody/password", password=PASSWORD).status_code == 404
    assert post(admin, "/admin/stores/Cafe%00/disable").status_code == 404
    bad_key = post(admin, "/admin/stores", store_id="cafe-west", key="ed25519:\x00")
    assert bad_key.status_code == 422
    added = post(
        admin, "/admin/users", name="Bea\x00", role="viewer", password=PASSWORD, confirm=PASSWORD
    )
    assert added.status_code == 422
    assert (
        post(
            admin, "/admin/users", name="Bea", role="owner", password=PASSWORD, confirm=PASSWORD
        ).status_code
        == 422
    )
