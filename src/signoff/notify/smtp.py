"""Handing one message to the mail server with the standard library's `smtplib`.

What the server says decides what the worker does next: a 4xx reply, a refused
connection or a timeout may pass (`Retry`); a 5xx refusal of the recipient or of
the message itself will not (`GiveUp`). Anything else (a login refused, STARTTLS
missing) is a setting an operator can fix, so it is retried until the worker's
attempts run out.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from signoff.notify.handlers import GiveUp, Retry
from signoff.outbound.smtp_url import Security, SmtpServer

TIMEOUT = 10.0  # seconds per connect and per reply
MAX_REASON = 300


def send_mail(
    server: SmtpServer,
    mail: EmailMessage,
    *,
    tls: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT,
) -> None:
    """Deliver `mail` to its recipients, or raise `Retry` / `GiveUp`."""
    context = tls or ssl.create_default_context()
    try:
        client = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
            if server.security is Security.tls
            else smtplib.SMTP(server.host, server.port, timeout=timeout)
        )
        with client:
            if server.security is Security.starttls:
                client.starttls(context=context)
            if server.logs_in:
                client.login(server.username or "", server.password or "")
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as refused:
        replies = list(refused.recipients.values())
        reason = _reason("recipient refused", *replies[0]) if replies else "refused"
        if replies and all(code >= 500 for code, _ in replies):
            raise GiveUp(reason) from refused
        raise Retry(reason) from refused
    except smtplib.SMTPDataError as error:
        reason = _reason("message refused", error.smtp_code, error.smtp_error)
        if error.smtp_code >= 500:
            raise GiveUp(reason) from error
        raise Retry(reason) from error
    except smtplib.SMTPResponseException as error:
        raise Retry(
            _reason("server said", error.smtp_code, error.smtp_error)
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        # Refused or dropped connections, timeouts, TLS failures: all may pass.
        detail = str(error) or type(error).__name__
        raise Retry(f"{type(error).__name__}: {detail}"[:MAX_REASON]) from error


def _reason(what: str, code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{what}: {code} {words}"[:MAX_REASON]
