"""Loads and validates the TOML configuration file into typed, frozen settings.

Unknown keys and bad values stop start-up with a `SettingsError` that names the
file and the key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel
from babel.numbers import list_currencies
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from pos_plugin.text import Text

DEFAULT_HOME = "instance"
CONFIG_FILENAME = "pos-plugin.toml"


class SettingsError(Exception):
    """The configuration file is missing, unreadable or has a bad key or value."""


@dataclass(frozen=True)
class StoreSettings:
    id: str = "store-001"
    name: str = "My Cafe"
    currency: str = "EUR"
    locale: str = "en_GB"
    timezone: str = "Europe/London"
    business_day_starts: time = time(4, 0)


@dataclass(frozen=True)
class AllowanceSettings:
    """The allowance an unscheduled shift gets (no shift template covers the time)."""

    amount: int = 1500
    max_comps: int | None = 20
    max_comps_per_staff: int | None = None


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 5000
    threads: int = 8


PRINTER_KINDS = ("none", "network", "usb", "serial", "file", "cups")


@dataclass(frozen=True)
class PrinterSettings:
    """The receipt printer; `kind = "none"` prints nothing and queues nothing."""

    kind: str = "none"
    host: str = ""
    port: int = 9100
    timeout: float = 5.0
    # "status": a network printer confirms it read the whole job (ESC/POS DLE EOT);
    # "sent": trust a completed send, for printers that never answer.
    confirm: str = "status"
    usb_vendor_id: int = 0
    usb_product_id: int = 0
    serial_device: str = ""
    baudrate: int = 9600
    path: str = ""
    cups_name: str = ""
    profile: str = "default"
    columns: int | None = None
    footer: str = ""
    logo: str = ""
    qr: str = ""
    expire_after_minutes: int = 30
    retry_max_seconds: float = 60.0


SYNC_TRANSPORTS = ("folder", "sftp", "https")


@dataclass(frozen=True)
class SyncSettings:
    """The nightly sync to head office: where file sets are written and how they travel."""

    transport: str = "folder"
    outbox: str = "outbox"
    at: time = time(4, 30)
    keep_days: int = 30
    retry_max_seconds: float = 3600.0
    timeout: float = 30.0
    folder: str = ""
    sftp_host: str = ""
    sftp_port: int = 22
    sftp_user: str = ""
    sftp_key: str = ""
    sftp_known_hosts: str = ""
    sftp_dir: str = "."
    https_url: str = ""
    https_token: str = ""
    https_ca_file: str = ""


@dataclass(frozen=True)
class HeadOfficeSettings:
    """`pos-plugin headoffice ...`: its own database, the upload receiver and its folders."""

    database_url: str = ""
    inbox: str = "headoffice/inbox"
    quarantine: str = "headoffice/quarantine"
    host: str = "127.0.0.1"
    port: int = 8443
    tls_cert: str = ""
    tls_key: str = ""
    max_upload_bytes: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    home: Path
    source: Path | None
    database_url: str
    store: StoreSettings = field(default_factory=StoreSettings)
    allowance: AllowanceSettings = field(default_factory=AllowanceSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    headoffice: HeadOfficeSettings = field(default_factory=HeadOfficeSettings)

    def in_home(self, path: str) -> Path:
        """A path from the config file: relative ones are inside POS_PLUGIN_HOME."""
        return self.home / Path(path).expanduser()

    @property
    def headoffice_database_url(self) -> str:
        return self.headoffice.database_url or f"sqlite:///{self.home / 'headoffice.db'}"


class _Section(Schema):
    class Meta:
        unknown = RAISE


def _hhmm(value: str) -> time:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValidationError('Use 24-hour "HH:MM", for example "04:00".')
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class _StoreSection(_Section):
    id = fields.String(
        validate=validate.Regexp(
            r"^[a-z0-9][a-z0-9-]{0,39}$",
            error="Use 1-40 lower-case letters, digits and dashes, e.g. cafe-001.",
        )
    )
    name = Text(min_length=1, max_length=80)
    currency = fields.String()
    locale = fields.String()
    timezone = fields.String()
    business_day_starts = fields.String()

    @validates("currency")
    def _currency(self, value: str, **_: Any) -> None:
        if value not in list_currencies():
            raise ValidationError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, GBP).")

    @validates("locale")
    def _locale(self, value: str, **_: Any) -> None:
        try:
            babel.Locale.parse(value)
        except (ValueError, babel.UnknownLocaleError) as exc:
            raise ValidationError(f"{value!r} is not a known locale (e.g. en_GB).") from exc

    @validates("timezone")
    def _timezone(self, value: str, **_: Any) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"{value!r} is not an IANA time zone.") from exc

    @validates("business_day_starts")
    def _day_start(self, value: str, **_: Any) -> None:
        _hhmm(value)


def _cap_field() -> fields.Field:
    # TOML has no null, so "none" spells "no count cap".
    return fields.Raw(validate=_validate_cap)


def _validate_cap(value: object) -> None:
    if value == "none":
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError('Use a whole number of at least 1, or "none" for no cap.')


class _AllowanceSection(_Section):
    amount = fields.Integer(strict=True, validate=validate.Range(min=0))
    max_comps = _cap_field()
    max_comps_per_staff = _cap_field()


class _ServerSection(_Section):
    host = Text(min_length=1, max_length=253)
    port = fields.Integer(strict=True, validate=validate.Range(min=1, max=65535))
    threads = fields.Integer(strict=True, validate=validate.Range(min=1, max=64))


class _DatabaseSection(_Section):
    url = Text(min_length=1, max_length=2000)


class _PrinterSection(_Section):
    kind = fields.String(
        validate=validate.OneOf(PRINTER_KINDS, error="Use one of: " + ", ".join(PRINTER_KINDS))
    )
    host = Text(min_length=1, max_length=253)
    port = fields.Integer(strict=True, validate=validate.Range(min=1, max=65535))
    timeout = fields.Float(validate=validate.Range(min=0.1, max=120))
    confirm = fields.String(
        validate=validate.OneOf(("status", "sent"), error='Use "status" or "sent".')
    )
    usb_vendor_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=0xFFFF))
    usb_product_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=0xFFFF))
    serial_device = Text(min_length=1, max_length=255)
    baudrate = fields.Integer(strict=True, validate=validate.Range(min=300, max=921600))
    path = Text(min_length=1, max_length=1024)
    cups_name = Text(min_length=1, max_length=127)
    profile = Text(min_length=1, max_length=64)
    columns = fields.Integer(strict=True, validate=validate.Range(min=16, max=80))
    footer = Text(max_length=120)
    logo = Text(min_length=1, max_length=1024)
    qr = Text(min_length=1, max_length=300)
    expire_after_minutes = fields.Integer(strict=True, validate=validate.Range(min=1, max=1440))
    retry_max_seconds = fields.Float(validate=validate.Range(min=0.01, max=3600))

    @validates_schema
    def _needs_its_address(self, data: dict[str, Any], **_: Any) -> None:
        needed = {
            "network": "host",
            "usb": "usb_vendor_id",
            "serial": "serial_device",
            "file": "path",
            "cups": "cups_name",
        }.get(data.get("kind", "none"))
        if needed and needed not in data:
            raise ValidationError(f"A {data['kind']} printer needs {needed}.", needed)
        if data.get("kind") == "usb" and "usb_product_id" not in data:
            raise ValidationError("A usb printer needs usb_product_id.", "usb_product_id")


def _path_field() -> fields.Field:
    return Text(min_length=1, max_length=1024)


def _port_field() -> fields.Field:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=65535))


class _SyncSection(_Section):
    transport = fields.String(
        validate=validate.OneOf(SYNC_TRANSPORTS, error="Use one of: " + ", ".join(SYNC_TRANSPORTS))
    )
    outbox = _path_field()
    at = fields.String()
    keep_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=3650))
    retry_max_seconds = fields.Float(validate=validate.Range(min=1, max=86400))
    timeout = fields.Float(validate=validate.Range(min=0.1, max=600))
    folder = _path_field()
    sftp_host = Text(min_length=1, max_length=253)
    sftp_port = _port_field()
    sftp_user = Text(min_length=1, max_length=64)
    sftp_key = _path_field()
    sftp_known_hosts = _path_field()
    sftp_dir = _path_field()
    https_url = fields.String(
        validate=validate.URL(schemes={"https", "http"}, require_tld=False, error="Not a URL.")
    )
    https_token = Text(min_length=1, max_length=200)
    https_ca_file = _path_field()

    @validates("at")
    def _at(self, value: str, **_: Any) -> None:
        _hhmm(value)

    @validates_schema
    def _needs_its_address(self, data: dict[str, Any], **_: Any) -> None:
        needed = {
            "sftp": ("sftp_host", "sftp_user", "sftp_key", "sftp_known_hosts"),
            "https": ("https_url", "https_token"),
        }.get(data.get("transport", "folder"), ())
        for key in needed:
            if key not in data:
                raise ValidationError(f"The {data['transport']} transport needs {key}.", key)


class _HeadOfficeSection(_Section):
    database_url = Text(min_length=1, max_length=2000)
    inbox = _path_field()
    quarantine = _path_field()
    host = Text(min_length=1, max_length=253)
    port = _port_field()
    tls_cert = _path_field()
    tls_key = _path_field()
    max_upload_bytes = fields.Integer(strict=True, validate=validate.Range(min=1024))

    @validates_schema
    def _cert_and_key(self, data: dict[str, Any], **_: Any) -> None:
        if ("tls_cert" in data) != ("tls_key" in data):
            raise ValidationError("Give both tls_cert and tls_key, or neither.", "tls_key")


class _ConfigFile(_Section):
    store = fields.Nested(_StoreSection)
    allowance = fields.Nested(_AllowanceSection)
    server = fields.Nested(_ServerSection)
    database = fields.Nested(_DatabaseSection)
    printer = fields.Nested(_PrinterSection)
    sync = fields.Nested(_SyncSection)
    headoffice = fields.Nested(_HeadOfficeSection)


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        out: list[str] = []
        for key, value in messages.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    text = " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
    return [f"{prefix}: {text}"]


def _cap(value: object, default: int | None) -> int | None:
    if value is None:
        return default
    return None if value == "none" else int(value)  # type: ignore[call-overload]


def parse(raw: dict[str, Any], *, home: Path, source: Path | None, database_url: str) -> Settings:
    """Validate a decoded config mapping; `SettingsError` names the file and the key."""
    try:
        data = _ConfigFile().load(raw)
    except ValidationError as exc:
        where = str(source) if source else "configuration"
        problems = "; ".join(_flatten(exc.messages))
        raise SettingsError(f"{where}: {problems}") from None
    store = data.get("store", {})
    allowance = data.get("allowance", {})
    defaults = AllowanceSettings()
    if "business_day_starts" in store:
        store["business_day_starts"] = _hhmm(store["business_day_starts"])
    sync = data.get("sync", {})
    if "at" in sync:
        sync["at"] = _hhmm(sync["at"])
    return Settings(
        home=home,
        source=source,
        database_url=data.get("database", {}).get("url", database_url),
        store=StoreSettings(**store),
        allowance=AllowanceSettings(
            amount=allowance.get("amount", defaults.amount),
            max_comps=_cap(allowance.get("max_comps"), defaults.max_comps),
            max_comps_per_staff=_cap(
                allowance.get("max_comps_per_staff"), defaults.max_comps_per_staff
            ),
        ),
        server=ServerSettings(**data.get("server", {})),
        printer=PrinterSettings(**data.get("printer", {})),
        sync=SyncSettings(**sync),
        headoffice=HeadOfficeSettings(**data.get("headoffice", {})),
    )


def load(environ: dict[str, str] | None = None) -> Settings:
    """Read settings the way the CLI and the server do: environment, then the TOML file."""
    env = os.environ if environ is None else environ
    home = Path(env.get("POS_PLUGIN_HOME") or DEFAULT_HOME).resolve()
    explicit = env.get("POS_PLUGIN_CONFIG")
    source: Path | None = Path(explicit) if explicit else home / CONFIG_FILENAME
    raw: dict[str, Any] = {}
    if source is not None and source.exists():
        try:
            raw = tomllib.loads(source.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{source}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise SettingsError(f"{source}: cannot be read: {exc.strerror}") from None
    elif explicit:
        raise SettingsError(f"{source}: POS_PLUGIN_CONFIG names a file that does not exist")
    else:
        source = None
    default_url = f"sqlite:///{home / 'pos-plugin.db'}"
    settings = parse(raw, home=home, source=source, database_url=default_url)
    override = env.get("POS_PLUGIN_DATABASE_URL")
    if override:
        settings = dataclasses.replace(settings, database_url=override)
    return settings
