"""Settings from `SIGNOFF_*` environment variables, resolved once and passed down.

Nothing reads the environment at import time: `load_settings()` is called by the CLI
and by `create_app`, and the result is handed to everything that needs it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from signoff.outbound.allowlist import AllowList
from signoff.outbound.smtp_url import SmtpServer

SECRET_KEY_FILE = "secret.key"  # noqa: S105 (a file name, not a secret)
SQLITE_SYNCHRONOUS = ("full", "normal")  # `off` could lose the audit trail
LOG_FORMATS = ("text", "json")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNOFF_", extra="ignore")

    data_dir: Path = Field(default=Path("./signoff-data"))
    database_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(default=None, repr=False)
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    run_worker: bool = False
    """Deliver the outbox from a thread of the web server (`signoff serve` sets it)."""
    webhook_allow: str = ""
    """Targets on the server's own networks that webhooks may reach anyway, e.g.
    `10.0.0.0/8,hooks.internal:8443` (see docs/webhooks.md)."""
    smtp_url: str | None = Field(default=None, repr=False)
    """Where approval emails go out, e.g. `smtp://user:pass@mail.example.com:587
    ?starttls=true` or `smtps://user:pass@mail.example.com:465`; unset: no email."""
    mail_from: str = "Signoff <signoff@localhost>"
    session_max_age_days: int = Field(default=7, ge=1, le=365)
    """Days a web session lives at most, however busy (besides 12 idle hours)."""
    trusted_proxies: str = ""
    """Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed: addresses
    and networks, comma-separated, e.g. `127.0.0.1,10.0.0.0/8`; empty: none, so the
    client is always the TCP peer (a header any client can send proves nothing)."""
    sqlite_synchronous: str = "full"
    """How SQLite flushes a commit: `full` (the default: every commit is on disk
    when it returns) or `normal` (faster; the last commits before a power loss or
    an OS crash may roll back). See docs/performance.md."""

    confluence_poll_seconds: float = Field(default=60.0, ge=1.0, le=86400.0)
    """Seconds between two polling passes over every linked Confluence space."""
    confluence_allow: str = ""
    """Confluence sites on the server's own networks that Signoff may call anyway (a
    proxy, a test site), in the syntax of `SIGNOFF_WEBHOOK_ALLOW`; sites on the
    internet need no entry."""
    confluence_labels: bool = False
    """Also keep a label on each governed Confluence page saying where its review
    stands: `signoff-in-review`, `signoff-approved` or `signoff-stale`."""

    claim_hours: float = Field(default=4.0, gt=0.0, le=720.0)
    """Hours a claim on a review ("I'm reviewing this") lasts before it lapses by
    itself (`SIGNOFF_CLAIM_HOURS`; more than 0, at most 720)."""

    metrics_token: str | None = Field(default=None, repr=False)
    """The bearer token Prometheus must send to `GET /metrics`; unset: no metrics
    (the route answers 404)."""
    log_format: str = "text"
    """`text` (uvicorn's own lines) or `json` (one JSON object per line, a request
    line for every request; see docs/operations.md)."""

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("SIGNOFF_BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_allow", "confluence_allow")
    @classmethod
    def _check_allow(cls, value: str, info: ValidationInfo) -> str:
        try:
            AllowList.parse(value)
        except ValueError as error:
            name = f"SIGNOFF_{(info.field_name or '').upper()}"
            raise ValueError(f"{name}: {error}") from error
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            SmtpServer.parse(value)
        except ValueError as error:
            raise ValueError(f"SIGNOFF_SMTP_URL: {error}") from error
        return value

    @field_validator("metrics_token")
    @classmethod
    def _blank_token_is_none(cls, value: str | None) -> str | None:
        # An empty variable (`SIGNOFF_METRICS_TOKEN=`) must not open the endpoint.
        if value is None:
            return None
        return value.strip() or None

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        chosen = value.strip().lower()
        if chosen not in LOG_FORMATS:
            raise ValueError(
                f"SIGNOFF_LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, "
                f"not {value[:40]!r}"
            )
        return chosen

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ValueError as error:
            raise ValueError(f"SIGNOFF_TRUSTED_PROXIES: {error}") from error
        return value

    @field_validator("sqlite_synchronous")
    @classmethod
    def _check_synchronous(cls, value: str) -> str:
        chosen = value.strip().lower()
        if chosen not in SQLITE_SYNCHRONOUS:
            raise ValueError(
                "SIGNOFF_SQLITE_SYNCHRONOUS must be full (the default) or normal, "
                f"not {value[:40]!r}"
            )
        return chosen

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The trusted proxies, each an address or a network in canonical form."""
        return [str(network) for network in parse_networks(self.trusted_proxies)]

    @property
    def webhook_allow_list(self) -> AllowList:
        return AllowList.parse(self.webhook_allow)

    @property
    def confluence_allow_list(self) -> AllowList:
        return AllowList.parse(self.confluence_allow)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'signoff.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


def parse_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses and networks (`10.0.0.0/8`, `::1`); a host address
    is a network of one. Names and `*` are refused: trusting a proxy is trusting
    whatever it says about the client, so the list says exactly whom."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"{item[:60]!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return networks


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with `overrides` (CLI flags) taking precedence."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]


def ensure_data_dir(settings: Settings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir


def site_secret(settings: Settings) -> str:
    """The site key: from the environment, else generated into the data dir once.

    The file is created with mode 0600 in a single exclusive open, so two processes
    starting together agree on one key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = ensure_data_dir(settings) / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()
