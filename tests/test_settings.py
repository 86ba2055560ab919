"""The configuration file: defaults, a full file, and mistakes that stop start-up."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import time
from pathlib import Path

import pytest

from pos_plugin.settings import (
    AllowanceSettings,
    BackupSettings,
    HeadOfficeSettings,
    LoggingSettings,
    PassthroughSettings,
    PrinterSettings,
    PrivacySettings,
    SecuritySettings,
    ServerSettings,
    Settings,
    SettingsError,
    StoreSettings,
    SyncSettings,
    WebhookSettings,
    load,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "pos-plugin.example.toml"

FULL_FILE = """\
[store]
id = "cafe-042"
name = "The Copper Kettle"
currency = "GBP"
locale = "de_DE"
timezone = "America/New_York"
business_day_starts = "05:30"

[allowance]
amount = 900
max_comps = 7
max_comps_per_staff = 3

[server]
host = "0.0.0.0"
port = 8080
threads = 4
tls_cert = "keys/cert.pem"
tls_key = "keys/key.pem"
trusted_proxies = 1

[security]
manager_pin_digits = 6

[database]
url = "postgresql+psycopg://pos@db.local/pos"
"""


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "pos-plugin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Settings:
    write_config(tmp_path, text)
    return load({"POS_PLUGIN_HOME": str(tmp_path)})


def test_without_a_file_the_built_in_defaults_apply_in_the_instance_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)

    settings = load({})

    assert settings.home == tmp_path.resolve() / "instance"
    assert settings.source is None
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'instance/pos-plugin.db'}"
    assert settings.store == StoreSettings(
        id="store-001",
        name="My Cafe",
        currency="EUR",
        locale="en_GB",
        timezone="Europe/London",
        business_day_starts=time(4, 0),
    )
    assert settings.allowance == AllowanceSettings(
        amount=1500, max_comps=20, max_comps_per_staff=None
    )
    assert settings.server == ServerSettings(
        host="127.0.0.1", port=5000, threads=8, tls_cert="", tls_key="", trusted_proxies=0
    )
    assert settings.security == SecuritySettings(manager_pin_digits=4)
    assert settings.privacy == PrivacySettings(keep_customer_names_days=90)


def test_pos_plugin_home_moves_the_default_database_into_that_directory(tmp_path):
    settings = load({"POS_PLUGIN_HOME": str(tmp_path / "till")})

    assert settings.home == tmp_path.resolve() / "till"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'till/pos-plugin.db'}"


def test_a_full_file_in_the_data_directory_sets_every_value(tmp_path):
    path = write_config(tmp_path, FULL_FILE)

    settings = load({"POS_PLUGIN_HOME": str(tmp_path)})

    assert settings.source == path
    assert settings.store == StoreSettings(
        id="cafe-042",
        name="The Copper Kettle",
        currency="GBP",
        locale="de_DE",
        timezone="America/New_York",
        business_day_starts=time(5, 30),
    )
    assert settings.allowance == AllowanceSettings(amount=900, max_comps=7, max_comps_per_staff=3)
    assert settings.server == ServerSettings(
        host="0.0.0.0",
        port=8080,
        threads=4,
        tls_cert="keys/cert.pem",
        tls_key="keys/key.pem",
        trusted_proxies=1,
    )
    assert settings.security == SecuritySettings(manager_pin_digits=6)
    assert settings.database_url == "postgresql+psycopg://pos@db.local/pos"


def test_a_partial_file_keeps_the_defaults_for_what_it_leaves_out(tmp_path):
    settings = load_text(tmp_path, '[store]\nname = "Bean There"\n[allowance]\nmax_comps = 5\n')

    assert settings.store == dataclasses.replace(StoreSettings(), name="Bean There")
    assert settings.allowance == AllowanceSettings(amount=1500, max_comps=5)
    assert settings.server == ServerSettings()


def test_settings_built_in_code_get_the_same_defaults_as_an_empty_file(tmp_path):
    from_file = load_text(tmp_path, "")

    built = Settings(home=from_file.home, source=None, database_url=from_file.database_url)

    assert dataclasses.replace(from_file, source=None) == built


def test_none_means_no_cap_on_the_number_of_comps(tmp_path):
    settings = load_text(
        tmp_path, '[allowance]\nmax_comps = "none"\nmax_comps_per_staff = "none"\n'
    )

    assert settings.allowance.max_comps is None
    assert settings.allowance.max_comps_per_staff is None


def test_pos_plugin_config_points_at_a_file_outside_the_data_directory(tmp_path):
    write_config(tmp_path / "home", '[store]\nname = "Ignored"\n')
    elsewhere = write_config(tmp_path / "etc", '[store]\nname = "From Etc"\n')

    settings = load(
        {
            "POS_PLUGIN_HOME": str(tmp_path / "home"),
            "POS_PLUGIN_CONFIG": str(elsewhere),
        }
    )

    assert settings.source == elsewhere
    assert settings.store.name == "From Etc"


def test_pos_plugin_config_naming_a_missing_file_stops_start_up(tmp_path):
    missing = tmp_path / "nowhere.toml"

    with pytest.raises(SettingsError) as error:
        load({"POS_PLUGIN_HOME": str(tmp_path), "POS_PLUGIN_CONFIG": str(missing)})

    assert str(missing) in str(error.value)
    assert "POS_PLUGIN_CONFIG" in str(error.value)


def test_pos_plugin_database_url_wins_over_the_files_database_url(tmp_path):
    write_config(tmp_path, '[database]\nurl = "sqlite:////from/the/file.db"\n')

    settings = load(
        {
            "POS_PLUGIN_HOME": str(tmp_path),
            "POS_PLUGIN_DATABASE_URL": "postgresql+psycopg://pos@db.local/pos",
        }
    )

    assert settings.database_url == "postgresql+psycopg://pos@db.local/pos"


def test_pos_plugin_database_url_wins_over_the_default_database_too(tmp_path):
    settings = load(
        {
            "POS_PLUGIN_HOME": str(tmp_path),
            "POS_PLUGIN_DATABASE_URL": "sqlite:////srv/pos.db",
        }
    )

    assert settings.database_url == "sqlite:////srv/pos.db"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[store]\ncurrncy = "EUR"\n', "store.currncy"),
        ("[alowance]\namount = 10\n", "alowance"),
        ('[printr]\nkind = "network"\n', "printr"),
        ('currency = "EUR"\n', "currency"),
    ],
    ids=["unknown key", "misspelt section", "unknown section", "key outside a section"],
)
def test_an_unknown_section_or_key_stops_start_up_naming_the_file_and_key(tmp_path, text, key):
    path = write_config(tmp_path, text)

    with pytest.raises(SettingsError) as error:
        load({"POS_PLUGIN_HOME": str(tmp_path)})

    message = str(error.value)
    assert message.startswith(f"{path}: {key}: ")
    assert "Unknown field" in message


@pytest.mark.parametrize(
    ("section", "line", "key", "hint"),
    [
        ("store", 'currency = "EURO"', "store.currency", "ISO 4217"),
        ("store", 'currency = "eur"', "store.currency", "ISO 4217"),
        ("store", 'timezone = "Mars/Base"', "store.timezone", "IANA time zone"),
        ("store", 'timezone = "../../etc/passwd"', "store.timezone", "IANA time zone"),
        ("store", 'locale = "en-GB"', "store.locale", "locale"),
        ("store", 'locale = "xx_XX"', "store.locale", "locale"),
        ("store", 'business_day_starts = "25:00"', "store.business_day_starts", "HH:MM"),
        ("store", 'business_day_starts = "4:00"', "store.business_day_starts", "HH:MM"),
        ("store", "business_day_starts = 04:00:00", "store.business_day_starts", "string"),
        ("store", 'id = "Cafe 1"', "store.id", "lower-case"),
        ("store", 'name = ""', "store.name", "Length"),
        ("allowance", "amount = -1", "allowance.amount", "greater than or equal to 0"),
        ("allowance", 'amount = "10"', "allowance.amount", "integer"),
        ("allowance", "amount = 12.5", "allowance.amount", "integer"),
        ("allowance", "amount = true", "allowance.amount", "integer"),
        ("allowance", "max_comps = 0", "allowance.max_comps", '"none"'),
        ("allowance", 'max_comps = "unlimited"', "allowance.max_comps", '"none"'),
        ("allowance", "max_comps = true", "allowance.max_comps", '"none"'),
        ("allowance", "max_comps_per_staff = -3", "allowance.max_comps_per_staff", '"none"'),
        ("server", "port = 0", "server.port", "65535"),
        ("server", "port = 70000", "server.port", "65535"),
        ("server", 'port = "5000"', "server.port", "integer"),
        ("server", "threads = 0", "server.threads", "64"),
        ("server", 'host = ""', "server.host", "Length"),
        ("server", 'tls_key = "key.pem"', "server.tls_key", "both tls_cert and tls_key"),
        ("server", "trusted_proxies = -1", "server.trusted_proxies", "less than or equal to 5"),
        ("server", "trusted_proxies = true", "server.trusted_proxies", "integer"),
        ("security", "manager_pin_digits = 3", "security.manager_pin_digits", "or equal to 4"),
        ("security", "manager_pin_digits = 9", "security.manager_pin_digits", "or equal to 8"),
        ("database", 'url = ""', "database.url", "Length"),
        ("store", r'name = "Caf\u0000e"', "store.name", "NUL character"),
        ("store", r'name = "Cafe\u001b[2J"', "store.name", "control character (U+001B)"),
        ("store", r'name = "Cafe\u202e"', "store.name", "bidirectional"),
        ("store", r'name = "\u200b\u200b"', "store.name", "Length"),
        ("store", r'name = "\ufeff \u2060"', "store.name", "Length"),
        ("store", r'timezone = "Europe/London\u0000"', "store.timezone", "IANA time zone"),
        ("store", r'locale = "en_GB\u0000"', "store.locale", "locale"),
        ("server", r'host = "127.0.0.1\u0000"', "server.host", "NUL character"),
        ("database", r'url = "sqlite:///x\u0007.db"', "database.url", "control character"),
        ("printer", 'kind = "laser"', "printer.kind", "one of: none, network"),
        ("printer", 'kind = "network"', "printer.host", "needs host"),
        ("printer", 'kind = "file"', "printer.path", "needs path"),
        ("printer", "timeout = 0", "printer.timeout", "greater than or equal to 0.1"),
        ("printer", 'confirm = "maybe"', "printer.confirm", '"status" or "sent"'),
        ("printer", r'host = "10.0.0.1\u0000"', "printer.host", "NUL character"),
        ("printer", r'footer = "\u001bp"', "printer.footer", "control character"),
        ("passthrough", "enabled = 1", "passthrough.enabled", "boolean"),
        ("passthrough", 'enabled = "yes"', "passthrough.enabled", "boolean"),
        ("passthrough", "listen_port = 0", "passthrough.listen_port", "65535"),
        ("passthrough", "match_minutes = 0", "passthrough.match_minutes", "1"),
        ("passthrough", "flush_after = 10", "passthrough.flush_after", "5"),
        ("passthrough", "enabled = true", "passthrough.printer_host", "receipt printer's address"),
        ("sync", 'transport = "pigeon"', "sync.transport", "one of: folder, sftp, https"),
        ("sync", 'at = "2:30"', "sync.at", "HH:MM"),
        ("sync", "keep_days = 0", "sync.keep_days", "greater than or equal to 1"),
        ("sync", 'transport = "sftp"', "sync.sftp_host", "needs sftp_host"),
        ("sync", 'transport = "https"', "sync.https_url", "needs https_url"),
        ("sync", 'https_url = "not a url"', "sync.https_url", "Not a URL"),
        ("sync", r'sftp_user = "cafe\u0000"', "sync.sftp_user", "NUL character"),
        ("headoffice", 'tls_cert = "cert.pem"', "headoffice.tls_key", "both tls_cert and tls_key"),
        ("headoffice", "max_upload_bytes = 10", "headoffice.max_upload_bytes", "1024"),
        ("privacy", "keep_customer_names_days = 0", "privacy.keep_customer_names_days", "1"),
        ("privacy", "keep_customer_names_days = 3651", "privacy.keep_customer_names_days", "3650"),
        (
            "privacy",
            'keep_customer_names_days = "90"',
            "privacy.keep_customer_names_days",
            "integer",
        ),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_file_and_key(tmp_path, section, line, key, hint):
    path = write_config(tmp_path, f"[{section}]\n{line}\n")

    with pytest.raises(SettingsError) as error:
        load({"POS_PLUGIN_HOME": str(tmp_path)})

    message = str(error.value)
    assert message.startswith(f"{path}: {key}: ")
    assert hint.lower() in message.lower()


def test_every_mistake_in_the_file_is_reported_at_once(tmp_path):
    write_config(tmp_path, '[store]\ncurrency = "EURO"\n[allowance]\nmax_comps = 0\n')

    with pytest.raises(SettingsError) as error:
        load({"POS_PLUGIN_HOME": str(tmp_path)})

    assert "store.currency" in str(error.value)
    assert "allowance.max_comps" in str(error.value)


def test_a_file_that_is_not_valid_toml_stops_start_up_naming_the_file(tmp_path):
    path = write_config(tmp_path, "[store\nname = 'Broken'\n")

    with pytest.raises(SettingsError) as error:
        load({"POS_PLUGIN_HOME": str(tmp_path)})

    assert str(error.value).startswith(f"{path}: not valid TOML")
    assert "line 1" in str(error.value)


def test_a_file_that_is_not_utf8_stops_start_up_naming_the_file(tmp_path):
    path = tmp_path / "pos-plugin.toml"
    path.write_bytes(b'[store]\nname = "Caf\xe9"\n')

    with pytest.raises(SettingsError) as error:
        load({"POS_PLUGIN_HOME": str(tmp_path)})

    assert str(error.value).startswith(f"{path}: ")


# -- the example file in config/ ----------------------------------------------------------


def test_the_example_configuration_loads_cleanly(tmp_path):
    settings = load({"POS_PLUGIN_HOME": str(tmp_path), "POS_PLUGIN_CONFIG": str(EXAMPLE)})

    assert settings.source == EXAMPLE


def test_the_example_configuration_shows_the_built_in_defaults(tmp_path):
    from_example = load({"POS_PLUGIN_HOME": str(tmp_path), "POS_PLUGIN_CONFIG": str(EXAMPLE)})
    built_in = load({"POS_PLUGIN_HOME": str(tmp_path)})

    assert dataclasses.replace(from_example, source=None) == built_in


def test_the_example_configuration_lists_every_setting():
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))

    assert set(raw) == {
        "store",
        "allowance",
        "server",
        "security",
        "database",
        "printer",
        "passthrough",
        "sync",
        "webhooks",
        "backup",
        "privacy",
        "headoffice",
        "logging",
    }
    for section, shape in [
        ("store", StoreSettings),
        ("allowance", AllowanceSettings),
        ("security", SecuritySettings),
        ("logging", LoggingSettings),
        ("privacy", PrivacySettings),
        ("backup", BackupSettings),
        ("webhooks", WebhookSettings),
    ]:
        assert set(raw[section]) == {f.name for f in dataclasses.fields(shape)}, section
    # The database url is shown commented out: its default depends on POS_PLUGIN_HOME.
    assert re.search(r"^# url = ", EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE)
    # A printer's address keys, or a certificate, are shown commented out: they have no default.
    commented = set(re.findall(r"^# (\w+) = ", EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    for section, shape in [
        ("server", ServerSettings),
        ("printer", PrinterSettings),
        ("passthrough", PassthroughSettings),
        ("sync", SyncSettings),
        ("headoffice", HeadOfficeSettings),
    ]:
        keys = {f.name for f in dataclasses.fields(shape)}
        assert keys == set(raw[section]) | (commented & keys), section


def test_uncommenting_the_example_database_url_is_accepted(tmp_path):
    text = re.sub(r"^# (url = .*)$", r"\1", EXAMPLE.read_text(encoding="utf-8"), flags=re.M)
    config = tmp_path / "example.toml"
    config.write_text(text, encoding="utf-8")

    settings = load({"POS_PLUGIN_HOME": str(tmp_path), "POS_PLUGIN_CONFIG": str(config)})

    assert settings.database_url == "sqlite:////var/lib/pos-plugin/pos-plugin.db"
