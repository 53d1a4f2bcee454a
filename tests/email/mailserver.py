"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

It can refuse a recipient for good (550), or turn messages away for a while (451),
and can require STARTTLS and a login, as a mail provider's submission port does.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "signoff", "s3cret:pass@word"


def free_port() -> int:
    """A loopback port nothing listens on (for now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """The server's handler: records mail, refuses as the test says."""

    refuse: set[str] = field(default_factory=set)  # recipients refused with 550
    busy: int = 0  # messages still to turn away with 451
    received: list[EmailMessage] = field(default_factory=list)
    turned_away: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: Any,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content or b""
        assert isinstance(content, bytes)
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        with self.lock:
            if self.busy > 0:
                self.busy -= 1
                self.turned_away.append(mail)
                return "451 4.3.0 Try again later"
            self.received.append(mail)
        return "250 Message accepted for delivery"

    def authenticate(
        self,
        server: Any,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        good = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
        )
        if good:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=good, handled=False)  # a refusal answers 535

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for mail in self.received if address in str(mail["To"])]


class MailServer:
    """aiosmtpd on 127.0.0.1:`port`, started and stopped by the test."""

    def __init__(
        self,
        mailbox: Mailbox | None = None,
        *,
        port: int | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.mailbox = mailbox or Mailbox()
        self.port = port or free_port()
        options: dict[str, Any] = {}
        if starttls is not None:
            options = {
                "tls_context": starttls,
                "require_starttls": True,
                "auth_required": True,
                "auth_require_tls": True,
                "authenticator": self.mailbox.authenticate,
                # smtplib falls back from PLAIN to LOGIN, which aiosmtpd answers
                # only after a timeout; one mechanism keeps a refusal quick.
                "auth_exclude_mechanism": ["LOGIN"],
            }
        if implicit_tls is not None:
            # The whole connection is TLS: aiosmtpd offers AUTH only when not told
            # to wait for STARTTLS, which never comes here.
            options = {
                "ssl_context": implicit_tls,
                "auth_require_tls": False,
                "authenticator": self.mailbox.authenticate,
            }
        self.controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            ready_timeout=5.0,
            **options,
        )
        self.running = False

    def start(self) -> MailServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False
