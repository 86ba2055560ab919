"""Loads and validates the TOML configuration file into typed, frozen settings.

Each setting is declared once, as a field of a frozen dataclass: its type, its
built-in default and the marshmallow field that reads and checks it from the
file (`_setting`). The file's schema is made from those declarations, and its
`post_load` builds the dataclass, so a key the file leaves out takes the
dataclass's own default, and code that builds settings directly gets the same.

Unknown keys and bad values stop start-up with a `SettingsError` that names the
file and the key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel
from babel.numbers import list_currencies
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from pos_plugin.text import Text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DEFAULT_HOME = "instance"
CONFIG_FILENAME = "pos-plugin.toml"
PRINTER_KINDS = ("none", "network", "usb", "serial", "file", "cups")
SYNC_TRANSPORTS = ("folder", "sftp", "https")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")
# The entry of a dataclass field's metadata that holds the marshmallow field reading it.
_READ_BY = "pos_plugin.settings"


class SettingsError(Exception):
    """The configuration file is missing, unreadable or has a bad key or value."""


# -- how a key is declared, read and checked ----------------------------------------------


def _setting(default: T, read_by: fields.Field[Any]) -> T:
    """A key of the file: its built-in default, and the marshmallow field that reads it."""
    return dataclasses.field(default=default, metadata={_READ_BY: read_by})


def _schema(shape: type[D], check: Callable[[dict[str, Any]], None] | None) -> type[Schema]:
    """The schema of the keys `shape` declares; what passes loads as a `shape`.

    Keys the file leaves out are left out of the load too: the dataclass fills
    in its defaults, and `check` can tell which keys the file gave.
    """

    class Section(Schema):
        class Meta:
            register = False

        @validates_schema
        def _check(self, data: dict[str, Any], **_: Any) -> None:
            if check is not None:
                check(data)

        @post_load
        def _make(self, data: dict[str, Any], **_: Any) -> D:
            return shape(**data)

    declared = {f.name: f.metadata[_READ_BY] for f in dataclasses.fields(shape)}
    return Section.from_dict(declared, name=f"{shape.__name__}Schema")


def _section(shape: type[D], check: Callable[[dict[str, Any]], None] | None = None) -> D:
    """A [section] of the file; left out whole, it is `shape()` with every default."""
    read_by = fields.Nested(_schema(shape, check), load_default=shape)
    return dataclasses.field(default_factory=shape, metadata={_READ_BY: read_by})


class _HourMinute(fields.Field[time]):
    """24-hour "HH:MM" text, read as a `time`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> time:
        # TOML's own time values (04:00:00) are refused too, in the words of a text field.
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValidationError('Use 24-hour "HH:MM", for example "04:00".')
        return time(int(value[:2]), int(value[3:]))


class _Cap(fields.Field[int | None]):
    """A count cap: a whole number of at least 1, or "none" (TOML has no null) for no cap."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:
        if value == "none":
            return None
        # bool is an int in Python, but `max_comps = true` is a mistake.
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError('Use a whole number of at least 1, or "none" for no cap.')
        return value


class _Flag(fields.Field[bool]):
    """TOML's true or false only: "yes" or 1 in the file are mistakes."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean: use true or false.")
        return value


def _whole(low: int, high: int | None = None) -> fields.Integer:
    # strict: "10" and 12.5 in the file are mistakes, not numbers to convert.
    return fields.Integer(strict=True, validate=validate.Range(min=low, max=high))


def _seconds(low: float, high: float) -> fields.Float:
    return fields.Float(validate=validate.Range(min=low, max=high))


def _path() -> Text:
    return Text(min_length=1, max_length=1024)


def _host() -> Text:
    return Text(min_length=1, max_length=253)


def _one_of(choices: tuple[str, ...], error: str | None = None) -> fields.String:
    error = error or "Use one of: " + ", ".join(choices)
    return fields.String(validate=validate.OneOf(choices, error=error))


def _currency(value: str) -> None:
    if value not in list_currencies():
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, GBP).")


def _locale(value: str) -> None:
    try:
        babel.Locale.parse(value)
    except (ValueError, babel.UnknownLocaleError) as exc:
        raise ValidationError(f"{value!r} is not a known locale (e.g. en_GB).") from exc


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone.") from exc


def _printer_needs_its_address(data: dict[str, Any]) -> None:
    kind = data.get("kind", "none")
    needed = {
        "network": ("host",),
        "usb": ("usb_vendor_id", "usb_product_id"),
        "serial": ("serial_device",),
        "file": ("path",),
        "cups": ("cups_name",),
    }.get(kind, ())
    for key in needed:
        if key not in data:
            raise ValidationError(f"A {kind} printer needs {key}.", key)


def _transport_needs_its_address(data: dict[str, Any]) -> None:
    transport = data.get("transport", "folder")
    needed = {
        "sftp": ("sftp_host", "sftp_user", "sftp_key", "sftp_known_hosts"),
        "https": ("https_url", "https_token"),
    }.get(transport, ())
    for key in needed:
        if key not in data:
            raise ValidationError(f"The {transport} transport needs {key}.", key)


def _cert_and_key(data: dict[str, Any]) -> None:
    if ("tls_cert" in data) != ("tls_key" in data):
        raise ValidationError("Give both tls_cert and tls_key, or neither.", "tls_key")


# -- the settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSettings:
    id: str = _setting(
        "store-001",
        fields.String(
            validate=validate.Regexp(
                r"^[a-z0-9][a-z0-9-]{0,39}$",
                error="Use 1-40 lower-case letters, digits and dashes, e.g. cafe-001.",
            )
        ),
    )
    name: str = _setting("My Cafe", Text(min_length=1, max_length=80))
    currency: str = _setting("EUR", fields.String(validate=_currency))
    locale: str = _setting("en_GB", fields.String(validate=_locale))
    timezone: str = _setting("Europe/London", fields.String(validate=_timezone))
    business_day_starts: time = _setting(time(4, 0), _HourMinute())


@dataclass(frozen=True)
class AllowanceSettings:
    """The allowance an unscheduled shift gets (no shift template covers the time)."""

    amount: int = _setting(1500, _whole(0))
    max_comps: int | None = _setting(20, _Cap())
    max_comps_per_staff: int | None = _setting(None, _Cap())


@dataclass(frozen=True)
class ServerSettings:
    """`pos-plugin serve`: where it listens, its threads, and how it is reached over TLS."""

    host: str = _setting("127.0.0.1", _host())
    port: int = _setting(5000, _whole(1, 65535))
    threads: int = _setting(8, _whole(1, 64))
    # Both or neither (`_cert_and_key`): served over HTTPS with them.
    tls_cert: str = _setting("", _path())
    tls_key: str = _setting("", _path())
    # How many reverse proxies in front of the store to believe the X-Forwarded-* headers
    # of; 0 believes none, so a client cannot claim to have come over HTTPS.
    trusted_proxies: int = _setting(0, _whole(0, 5))


@dataclass(frozen=True)
class SecuritySettings:
    """Rules for signing in that a store may make stricter than the defaults."""

    # A manager's PIN opens the console: a store may require it longer than a barista's.
    manager_pin_digits: int = _setting(4, _whole(4, 8))


@dataclass(frozen=True)
class PrinterSettings:
    """The receipt printer; `kind = "none"` prints nothing and queues nothing."""

    kind: str = _setting("none", _one_of(PRINTER_KINDS))
    host: str = _setting("", _host())
    port: int = _setting(9100, _whole(1, 65535))
    timeout: float = _setting(5.0, _seconds(0.1, 120))
    # "status": a network printer confirms it read the whole job (ESC/POS DLE EOT), and a
    # job it does not confirm is unconfirmed, never resent by itself;
    # "sent": trust a completed send, for printers that never answer.
    confirm: str = _setting("status", _one_of(("status", "sent"), 'Use "status" or "sent".'))
    usb_vendor_id: int = _setting(0, _whole(1, 0xFFFF))
    usb_product_id: int = _setting(0, _whole(1, 0xFFFF))
    serial_device: str = _setting("", Text(min_length=1, max_length=255))
    baudrate: int = _setting(9600, _whole(300, 921600))
    path: str = _setting("", _path())
    cups_name: str = _setting("", Text(min_length=1, max_length=127))
    profile: str = _setting("default", Text(min_length=1, max_length=64))
    columns: int | None = _setting(None, _whole(16, 80))
    footer: str = _setting("", Text(max_length=120))
    logo: str = _setting("", _path())
    qr: str = _setting("", Text(min_length=1, max_length=300))
    # Text no code page of the profile holds (CJK, Arabic, emoji): "raster" prints its line
    # as a picture drawn in a font that has it; "replace" prints "?" for it.
    unicode: str = _setting("raster", _one_of(("raster", "replace"), 'Use "raster" or "replace".'))
    unicode_font: str = _setting("", _path())
    expire_after_minutes: int = _setting(30, _whole(1, 1440))
    retry_max_seconds: float = _setting(60.0, _seconds(0.01, 3600))


@dataclass(frozen=True)
class PassthroughSettings:
    """The till prints through us: its receipts get the waiting note just before the cut."""

    enabled: bool = _setting(False, _Flag())
    # Where the till sends its receipts instead of to the printer.
    listen_host: str = _setting("0.0.0.0", _host())
    listen_port: int = _setting(9100, _whole(1, 65535))
    # The real receipt printer; left out, the [printer] network printer's address.
    printer_host: str = _setting("", _host())
    printer_port: int | None = _setting(None, _whole(1, 65535))
    connect_timeout: float = _setting(3.0, _seconds(0.1, 60))
    # The last bytes of a half-received command wait this long for the rest, then go on.
    flush_after: float = _setting(0.2, _seconds(0.01, 5))
    # A note waits this long for a receipt; after it, the [printer] prints it on its own.
    match_minutes: int = _setting(3, _whole(1, 60))


@dataclass(frozen=True)
class SyncSettings:
    """The nightly sync to head office: where file sets are written and how they travel."""

    transport: str = _setting("folder", _one_of(SYNC_TRANSPORTS))
    outbox: str = _setting("outbox", _path())
    at: time = _setting(time(4, 30), _HourMinute())
    keep_days: int = _setting(30, _whole(1, 3650))
    retry_max_seconds: float = _setting(3600.0, _seconds(1, 86400))
    timeout: float = _setting(30.0, _seconds(0.1, 600))
    folder: str = _setting("", _path())
    sftp_host: str = _setting("", _host())
    sftp_port: int = _setting(22, _whole(1, 65535))
    sftp_user: str = _setting("", Text(min_length=1, max_length=64))
    sftp_key: str = _setting("", _path())
    sftp_known_hosts: str = _setting("", _path())
    sftp_dir: str = _setting(".", _path())
    https_url: str = _setting(
        "",
        fields.String(
            validate=validate.URL(schemes={"https", "http"}, require_tld=False, error="Not a URL.")
        ),
    )
    https_token: str = _setting("", Text(min_length=1, max_length=200))
    https_ca_file: str = _setting("", _path())


@dataclass(frozen=True)
class WebhookSettings:
    """Signed event deliveries to the endpoints `pos-plugin webhook add` registered."""

    # Seconds to connect, and then for each read of the answer: a receiver that never
    # answers holds up its own deliveries for this long, never a tap.
    timeout: float = _setting(10.0, _seconds(0.1, 120))
    # An event still refused or unanswered this long after it happened is given up (failed).
    give_up_after_hours: int = _setting(24, _whole(1, 168))


@dataclass(frozen=True)
class BackupSettings:
    """Copies of the store's database: taken every night after the sync and on demand."""

    dir: str = _setting("backups", _path())
    # A backup older than this is removed by the next one; the newest is always kept.
    keep_days: int = _setting(14, _whole(1, 3650))


@dataclass(frozen=True)
class PrivacySettings:
    """How long what customers tell staff is kept (`services/privacy.py`)."""

    # Days a comp keeps its customer's name, note and reason; the nightly job then blanks them.
    keep_customer_names_days: int = _setting(90, _whole(1, 3650))


@dataclass(frozen=True)
class HeadOfficeSettings:
    """`pos-plugin headoffice ...`: its own database, the upload receiver and its folders."""

    database_url: str = _setting("", Text(min_length=1, max_length=2000))
    inbox: str = _setting("headoffice/inbox", _path())
    quarantine: str = _setting("headoffice/quarantine", _path())
    # Where `headoffice ingest` moves the sets it ingested, a folder per store.
    archive: str = _setting("headoffice/archive", _path())
    host: str = _setting("127.0.0.1", _host())
    port: int = _setting(8443, _whole(1, 65535))
    tls_cert: str = _setting("", _path())
    tls_key: str = _setting("", _path())
    max_upload_bytes: int = _setting(256 * 1024 * 1024, _whole(1024))
    # With a port, the report pages listen here apart and host:port serves only uploads.
    reports_host: str = _setting("127.0.0.1", _host())
    reports_port: int | None = _setting(None, _whole(1, 65535))
    # Per store: files uploaded whose set's manifest has not come (yet). Past either, an upload
    # is answered 429 until the worker removes those waiting longer than a day.
    max_waiting_files: int = _setting(12, _whole(3))
    max_waiting_bytes: int = _setting(512 * 1024 * 1024, _whole(1024))


@dataclass(frozen=True)
class LoggingSettings:
    """The log of `serve` and `headoffice serve`: stderr, and a rotating file in the data
    directory."""

    format: str = _setting("text", _one_of(LOG_FORMATS, 'Use "text" or "json".'))
    level: str = _setting("INFO", _one_of(LOG_LEVELS))
    # The file is rotated when it would grow past max_bytes; keep_files rotated files stay.
    max_bytes: int = _setting(10 * 1024 * 1024, _whole(1024))
    # At least 1: with none, the standard library's handler never rotates at all.
    keep_files: int = _setting(5, _whole(1, 1000))


@dataclass(frozen=True)
class Settings:
    home: Path
    source: Path | None
    database_url: str
    store: StoreSettings = _section(StoreSettings)
    allowance: AllowanceSettings = _section(AllowanceSettings)
    server: ServerSettings = _section(ServerSettings, _cert_and_key)
    security: SecuritySettings = _section(SecuritySettings)
    printer: PrinterSettings = _section(PrinterSettings, _printer_needs_its_address)
    passthrough: PassthroughSettings = _section(PassthroughSettings)
    sync: SyncSettings = _section(SyncSettings, _transport_needs_its_address)
    webhooks: WebhookSettings = _section(WebhookSettings)
    backup: BackupSettings = _section(BackupSettings)
    privacy: PrivacySettings = _section(PrivacySettings)
    headoffice: HeadOfficeSettings = _section(HeadOfficeSettings, _cert_and_key)
    logging: LoggingSettings = _section(LoggingSettings)

    def in_home(self, path: str) -> Path:
        """A path from the config file: relative ones are inside POS_PLUGIN_HOME."""
        return self.home / Path(path).expanduser()

    @property
    def headoffice_database_url(self) -> str:
        return self.headoffice.database_url or f"sqlite:///{self.home / 'headoffice.db'}"


# [database] url has no dataclass of its own: it becomes Settings.database_url, whose
# default (a file in POS_PLUGIN_HOME) and override (POS_PLUGIN_DATABASE_URL) are the caller's.
_DATABASE = Schema.from_dict({"url": Text(min_length=1, max_length=2000)}, name="DatabaseSchema")
_CONFIG_FILE = Schema.from_dict(
    {f.name: f.metadata[_READ_BY] for f in dataclasses.fields(Settings) if _READ_BY in f.metadata}
    | {"database": fields.Nested(_DATABASE, load_default=dict)},
    name="ConfigFileSchema",
)


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        out: list[str] = []
        for key, value in messages.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    text = " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
    return [f"{prefix}: {text}"]


def _passthrough_has_a_printer(sections: dict[str, Any], source: Path | None) -> None:
    passthrough, printer = sections["passthrough"], sections["printer"]
    if passthrough.enabled and not passthrough.printer_host and printer.kind != "network":
        where = str(source) if source else "configuration"
        raise SettingsError(
            f"{where}: passthrough.printer_host: the pass-through needs the receipt printer's "
            'address: set printer_host, or [printer] kind = "network" with its host.'
        )


def parse(raw: dict[str, Any], *, home: Path, source: Path | None, database_url: str) -> Settings:
    """Validate a decoded config mapping; `SettingsError` names the file and the key."""
    try:
        sections = _CONFIG_FILE().load(raw)
    except ValidationError as exc:
        where = str(source) if source else "configuration"
        problems = "; ".join(_flatten(exc.messages))
        raise SettingsError(f"{where}: {problems}") from None
    database_url = sections.pop("database").get("url", database_url)
    _passthrough_has_a_printer(sections, source)
    return Settings(home=home, source=source, database_url=database_url, **sections)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError as exc:  # e.g. a data directory closed to this user
        raise SettingsError(f"{path}: cannot be read: {exc.strerror}") from None


def load(environ: dict[str, str] | None = None) -> Settings:
    """Read settings the way the CLI and the server do: environment, then the TOML file."""
    env = os.environ if environ is None else environ
    home = Path(env.get("POS_PLUGIN_HOME") or DEFAULT_HOME).resolve()
    explicit = env.get("POS_PLUGIN_CONFIG")
    source: Path | None = Path(explicit) if explicit else home / CONFIG_FILENAME
    raw: dict[str, Any] = {}
    if source is not None and _exists(source):
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
