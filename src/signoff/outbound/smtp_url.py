"""The mail server `SIGNOFF_SMTP_URL` names: where, how secured, and who logs in.

`smtp://host:25` sends in the clear (a relay on the same machine),
`smtp://user:pass@host:587?starttls=true` upgrades with STARTTLS before logging in,
`smtps://user:pass@host:465` speaks TLS from the first byte. Credentials are
percent-decoded, so a password may hold any character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class Security(StrEnum):
    none = "none"
    starttls = "starttls"
    tls = "tls"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """The server an `smtp://` or `smtps://` URL names; ValueError says why not."""
        parts = urlsplit(url.strip())
        if parts.scheme not in DEFAULT_PORTS:
            given = parts.scheme or "none"
            raise ValueError(f"the scheme must be smtp:// or smtps://, not {given!r}")
        if not parts.hostname:
            raise ValueError("the URL names no host")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError as error:
            raise ValueError("the port must be a number from 1 to 65535") from error
        security = Security.tls if parts.scheme == "smtps" else Security.none
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key != "starttls":
                raise ValueError(f"unknown option {key!r} (known: starttls)")
            if value.lower() not in TRUE | FALSE:
                raise ValueError("starttls must be true or false")
            if value.lower() in TRUE:
                if parts.scheme == "smtps":
                    raise ValueError("smtps:// is TLS already; starttls is for smtp://")
                security = Security.starttls
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if password is not None and username is None:
            raise ValueError("a password needs a user name")
        return cls(parts.hostname, port, security, username, password)

    @property
    def logs_in(self) -> bool:
        return self.username is not None
