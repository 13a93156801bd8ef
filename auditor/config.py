"""config.toml, typed and checked at start-up.

Every setting has a help string (``Field(description=...)``); a bad or unknown key fails
with a message naming it. Secrets never live in the file: a setting names the
environment variable that holds the password.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from auditor.errors import ConfigError

DEFAULT_CONFIG = Path("config.toml")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSettings(Section):
    extract_dir: Path | None = Field(
        None, description="Directory holding one <table>.csv or <table>.parquet per table."
    )
    url: str | None = Field(
        None, description="SQLAlchemy URL of a database holding the contract's tables."
    )
    password_env: str = Field(
        "AUDITOR_SOURCE_PASSWORD",
        description="Environment variable holding the source database's password.",
    )
    max_reject_share: float = Field(
        0.05, ge=0, le=1, description="Share of rejected rows per table that stops the run."
    )

    @field_validator("url")
    @classmethod
    def _a_database_url(cls, url: str | None) -> str | None:
        """A URL SQLAlchemy cannot parse is said here, not as a traceback at run time
        (the message leaves the URL out: it may hold a password)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            if url is not None:
                make_url(url)
        except (ArgumentError, ValueError):
            raise ValueError(
                "is not a SQLAlchemy database URL, such as "
                "postgresql+psycopg://user@host:5432/name or sqlite:///extract.db"
            ) from None
        return url

    @model_validator(mode="after")
    def _one_source(self) -> SourceSettings:
        if self.extract_dir is not None and self.url is not None:
            raise ValueError("set either extract_dir or url, not both")
        return self


class StoreSettings(Section):
    url: str = Field("sqlite:///auditor.db", description="SQLAlchemy URL of the exception store.")
    password_env: str = Field(
        "AUDITOR_STORE_PASSWORD",
        description="Environment variable holding the store database's password.",
    )
    reject_retention_days: int = Field(
        0,
        ge=0,
        description="Delete the rejected rows of runs this many days older than the latest "
        "run (they hold keys from the extract); 0 keeps them all.",
    )
    history_retention_days: int = Field(
        0,
        ge=0,
        description="Delete the history of exceptions resolved this many days before the "
        "latest run (the exceptions stay); 0 keeps it all.",
    )


class ScheduleSettings(Section):
    cron: str = Field(
        "0 6 * * mon-fri", description="When `auditor serve` runs the audit (crontab syntax)."
    )
    timezone: str = Field("Europe/London", description="Time zone of the cron expression.")
    report_cron: str = Field(
        "0 7 1 * *",
        description="When `auditor serve` emails the monthly trends report of the month "
        "before (crontab syntax, same time zone); empty: never.",
    )


class SmtpSettings(Section):
    host: str = Field("localhost", description="SMTP server host name.")
    port: int = Field(25, ge=1, le=65535, description="SMTP server port.")
    security: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="Connection security: none, starttls or tls (implicit)."
    )
    username: str | None = Field(None, description="SMTP user name, if the server needs one.")
    password_env: str = Field(
        "AUDITOR_SMTP_PASSWORD", description="Environment variable holding the SMTP password."
    )
    timeout_seconds: float = Field(30, gt=0, description="Socket timeout for SMTP.")


class NotifySettings(Section):
    enabled: bool = Field(
        True,
        description="Email the digests after each successful run (auditor run, auditor serve); "
        "auditor notify --run ID sends a run's emails either way.",
    )
    transport: Literal["outbox", "smtp"] = Field(
        "outbox", description="How email leaves: write .eml files (outbox) or send by SMTP."
    )
    outbox_dir: Path = Field(Path("outbox"), description="Folder for the outbox transport.")
    from_address: str = Field("auditor@localhost", description="From address of every email.")
    base_url: str = Field(
        "http://localhost:8000",
        description="Base URL of the worklist for links in emails (default: [web] base_url).",
    )
    unowned: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Provider code -> addresses that receive that provider's unowned cases.",
    )
    send_when_empty: bool = Field(False, description="Email an SPO even with nothing open.")
    per_offender_manager: bool = Field(
        False, description="Also email each offender manager their own cases."
    )
    show_names: bool = Field(
        False, description="Show full names in emails (default: CRN and initials only)."
    )
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)


class ReportSettings(Section):
    recipients: list[str] = Field(
        default_factory=list,
        description="Addresses that receive the monthly trends report of every provider.",
    )
    senior_managers: bool = Field(
        True,
        description="Also send it to every enabled senior manager user with an email "
        "address, for the providers they see.",
    )
    league_rows: int = Field(10, ge=1, le=100, description="Teams in the report's league table.")


class WebSettings(Section):
    host: str = Field("127.0.0.1", description="Address `auditor serve` binds the worklist to.")
    port: int = Field(8000, ge=1, le=65535, description="Port of the worklist.")
    base_url: str = Field(
        "http://localhost:8000",
        description="The worklist's public address (links in emails; https makes cookies Secure).",
    )
    session_secret_env: str = Field(
        "AUDITOR_SESSION_SECRET",
        description="Environment variable holding the key that signs session cookies.",
    )
    idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="Sign a user out after this long without a request."
    )
    session_hours: int = Field(
        12, ge=1, le=24 * 30, description="Sign a user out this long after they signed in."
    )
    max_snooze_days: int = Field(
        90,
        ge=1,
        le=366,
        description="Latest snooze date, in calendar days after the latest run's as-of date.",
    )
    page_size: int = Field(50, ge=10, le=500, description="Exceptions per worklist page.")
    show_names: bool = Field(
        False, description="Show full names in the worklist (default: CRN and initials only)."
    )
    login_attempts: int = Field(
        5,
        ge=1,
        description="Failed sign-ins allowed per user name (four times as many per address) "
        "within login_window_minutes; then sign-in is refused until the window moves on.",
    )
    login_window_minutes: int = Field(
        15, ge=1, description="The window of login_attempts, in minutes."
    )
    banner: str = Field(
        "This is a new service: check each exception against nDelius before you fix it.",
        description="The text of the banner at the top of every page.",
    )
    sso_header: str | None = Field(
        None,
        description="Trust this request header (e.g. X-Forwarded-User) as the signed-in user "
        "name, from trusted_proxies only; passwords are then not asked for.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of the reverse proxies whose sso_header is trusted.",
    )

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.lower().startswith("https://")


class LoggingSettings(Section):
    format: Literal["text", "json"] = Field(
        "text",
        description="How `auditor serve` logs to stderr: text lines, or one JSON object per "
        "line (time, level, logger, message) for a log collector.",
    )
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="The least serious level logged."
    )


class Settings(Section):
    source: SourceSettings = Field(default_factory=SourceSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    checks: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="[checks.<name>]: enabled, severity and parameters."
    )

    def check_settings(self, name: str) -> dict[str, Any]:
        return dict(self.checks.get(name, {}))

    @model_validator(mode="after")
    def _links_to_the_worklist(self) -> Settings:
        """The emails link to the worklist at [web] base_url unless [notify] says otherwise."""
        if "base_url" not in self.notify.model_fields_set:
            notify = self.notify.model_copy(update={"base_url": self.web.base_url})
            object.__setattr__(self, "notify", notify)
        return self


def secret(variable: str) -> str | None:
    """A password from the environment (never from config.toml)."""
    return os.environ.get(variable) or None


def load_settings(path: Path | None = None) -> Settings:
    """Read and check config.toml; relative paths are taken from the file's folder."""
    path = path or DEFAULT_CONFIG
    if not path.exists():
        raise ConfigError(f"{path}: no such config file; copy config.toml from the repository.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    settings = parse_settings(raw, origin=str(path))
    return _resolve_paths(settings, path.resolve().parent)


def parse_settings(raw: dict[str, Any], origin: str = "config") -> Settings:
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None
    _check_checks(settings, origin)
    return settings


def _check_checks(settings: Settings, origin: str) -> None:
    from checks.registry import validate_check_settings

    for name, values in settings.checks.items():
        problem = validate_check_settings(name, values)
        if problem:
            raise ConfigError(f"{origin}: [checks.{name}] {problem}")


def _describe(exc: ValidationError, origin: str) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            lines.append(f"{origin}: unknown setting '{key}'; remove it or check its spelling.")
        else:
            lines.append(f"{origin}: setting '{key}': {error['msg']}.")
    return "\n".join(lines)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    source = settings.source
    if source.extract_dir is not None and not source.extract_dir.is_absolute():
        source = source.model_copy(update={"extract_dir": base / source.extract_dir})
    notify = settings.notify
    if not notify.outbox_dir.is_absolute():
        notify = notify.model_copy(update={"outbox_dir": base / notify.outbox_dir})
    store = settings.store
    prefix = "sqlite:///"
    if store.url.startswith(prefix) and not store.url.startswith(prefix + "/"):
        relative = store.url[len(prefix) :]
        if relative and relative != ":memory:":
            store = store.model_copy(update={"url": prefix + str(base / relative)})
    return settings.model_copy(update={"source": source, "notify": notify, "store": store})
