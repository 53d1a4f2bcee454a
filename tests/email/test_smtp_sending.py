"""Sending by SMTP: the URL's forms, STARTTLS with a login, TLS from the first byte,
and what each kind of failure means for the worker (retry, or give up)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pytest
from mailserver import PASSWORD, USER, MailServer, free_port
from pydantic import ValidationError

from notify.tls import TestAuthority
from signoff.config import Settings, load_settings
from signoff.db.session import Database
from signoff.notify.email import MESSAGE_ID_HEADER, EmailSender
from signoff.notify.handlers import GiveUp, Message, Retry
from signoff.outbound.smtp_url import Security, SmtpServer

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NO_DATABASE = cast("Database", None)  # the sender never reads one


def send_message(address: str = "ann@example.com") -> Message:
    payload: dict[str, Any] = {
        "template": "approval_requested",
        "event": "approval.submitted",
        "to": {"address": address, "name": "Ann"},
        "role": "approver",
        "page": {
            "id": 7,
            "title": "Policy",
            "version": 3,
            "path": "/spaces/DOCS/pages/7",
        },
        "space": {"key": "DOCS", "name": "Docs"},
        "actor": "Editor",
        "step": "Review",
        "changeSet": None,
    }
    return Message(
        1, "0b7e3f5e-1111-4222-8333-444455556666", "email.send", 1, payload, 0, AT
    )


def sender(tmp_path: Path, url: str, **options: Any) -> EmailSender:
    settings = Settings(data_dir=tmp_path, smtp_url=url, base_url="https://s.example")
    return EmailSender(settings, lambda: AT, timeout=5.0, **options)


@pytest.fixture(scope="module")
def authority() -> TestAuthority:
    return TestAuthority()


@pytest.fixture
def submission_port(authority: TestAuthority) -> Iterator[MailServer]:
    """Like a provider's port 587: STARTTLS first, then a login, then mail."""
    server = MailServer(starttls=authority.server_context("localhost")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", SmtpServer("127.0.0.1", 2525, Security.none)),
        ("smtp://mail.example.com", SmtpServer("mail.example.com", 25, Security.none)),
        (
            "smtp://me%40example.com:p%3Ass@mail.example.com:587?starttls=true",
            SmtpServer(
                "mail.example.com", 587, Security.starttls, "me@example.com", "p:ss"
            ),
        ),
        (
            "smtps://me:pw@mail.example.com",
            SmtpServer("mail.example.com", 465, Security.tls, "me", "pw"),
        ),
        ("smtp://h:25?starttls=false", SmtpServer("h", 25, Security.none)),
    ],
)
def test_the_smtp_url_forms(url: str, expected: SmtpServer) -> None:
    server = SmtpServer.parse(url)
    assert server == expected
    assert server.password == expected.password  # not in repr, but compared
    assert "p:ss" not in repr(server)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://mail.example.com", "scheme must be smtp:// or smtps://"),
        ("mail.example.com:25", "scheme"),
        ("smtp://", "no host"),
        ("smtp://h:99999", "port"),
        ("smtp://h?tls=1", "unknown option"),
        ("smtp://h?starttls=maybe", "true or false"),
        ("smtps://h?starttls=true", "TLS already"),
    ],
)
def test_a_bad_smtp_url_is_refused_at_startup_with_the_reason(
    url: str, why: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=why):
        SmtpServer.parse(url)
    with pytest.raises(ValidationError, match="SIGNOFF_SMTP_URL"):
        Settings(data_dir=tmp_path, smtp_url=url)


def test_the_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNOFF_SMTP_URL", "smtps://me:secret@mail.example.com:465")
    monkeypatch.setenv("SIGNOFF_MAIL_FROM", "Docs <docs@example.com>")
    settings = load_settings()
    assert settings.smtp_url == "smtps://me:secret@mail.example.com:465"
    assert settings.mail_from == "Docs <docs@example.com>"
    assert "secret" not in repr(settings)
    monkeypatch.delenv("SIGNOFF_SMTP_URL")
    monkeypatch.delenv("SIGNOFF_MAIL_FROM")
    defaults = load_settings()
    assert defaults.smtp_url is None
    assert defaults.mail_from == "Signoff <signoff@localhost>"


def test_login_over_starttls_delivers(
    submission_port: MailServer, authority: TestAuthority, tmp_path: Path
) -> None:
    url = (
        f"smtp://{USER}:{quote(PASSWORD, safe='')}@localhost:"
        f"{submission_port.port}?starttls=true"
    )
    send = sender(tmp_path, url, tls=authority.client_context())
    assert send(send_message(), NO_DATABASE) == ()
    (mail,) = submission_port.mailbox.received
    assert submission_port.mailbox.logins == [USER]
    assert mail["To"] == "Ann <ann@example.com>"
    assert mail[MESSAGE_ID_HEADER] == send_message().message_id
    assert mail["Message-ID"] == f"<{send_message().message_id}@localhost>"
    assert mail["Date"] == "Mon, 05 Jan 2026 09:00:00 +0000"


def test_no_login_in_the_clear_and_no_wrong_password(
    submission_port: MailServer, authority: TestAuthority, tmp_path: Path
) -> None:
    plain = f"smtp://{USER}:x@localhost:{submission_port.port}"
    with pytest.raises(Retry):  # the server wants STARTTLS first
        sender(tmp_path, plain)(send_message(), NO_DATABASE)
    wrong = f"smtp://{USER}:wrong@localhost:{submission_port.port}?starttls=true"
    with pytest.raises(Retry, match="535"):
        sender(tmp_path, wrong, tls=authority.client_context())(
            send_message(), NO_DATABASE
        )
    assert submission_port.mailbox.received == []


def test_an_untrusted_certificate_is_not_sent_to(
    submission_port: MailServer, tmp_path: Path
) -> None:
    url = f"smtp://{USER}:pw@localhost:{submission_port.port}?starttls=true"
    with pytest.raises(Retry, match="SSL"):  # the system's CAs do not know ours
        sender(tmp_path, url)(send_message(), NO_DATABASE)
    assert submission_port.mailbox.received == []


def test_smtps_speaks_tls_from_the_first_byte(
    authority: TestAuthority, tmp_path: Path
) -> None:
    server = MailServer(implicit_tls=authority.server_context("localhost")).start()
    try:
        url = f"smtps://{USER}:{quote(PASSWORD, safe='')}@localhost:{server.port}"
        sender(tmp_path, url, tls=authority.client_context())(
            send_message(), NO_DATABASE
        )
        assert len(server.mailbox.received) == 1
        assert server.mailbox.logins == [USER]
    finally:
        server.stop()


def test_failures_retry_or_give_up_as_the_reply_says(tmp_path: Path) -> None:
    with pytest.raises(Retry, match="Connection"):  # nothing listens
        sender(tmp_path, f"smtp://127.0.0.1:{free_port()}")(send_message(), NO_DATABASE)
    server = MailServer().start()
    try:
        send = sender(tmp_path, f"smtp://127.0.0.1:{server.port}")
        server.mailbox.busy = 1
        with pytest.raises(Retry, match="451"):
            send(send_message(), NO_DATABASE)
        server.mailbox.refuse = {"gone@example.com"}
        with pytest.raises(GiveUp, match="550"):
            send(send_message("gone@example.com"), NO_DATABASE)
        send(send_message(), NO_DATABASE)
        assert len(server.mailbox.received) == 1
    finally:
        server.stop()
