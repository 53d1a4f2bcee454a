"""HTTPS deliveries dial the pinned address yet verify the registered host name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signoff.notify.delivery import send_webhook
from signoff.outbound.url_policy import AllowList

from .servers import Receiver, StubResolver
from .tls import TestAuthority

HOST = "hooks.customer.test"


@pytest.fixture(scope="module")
def authority() -> TestAuthority:
    return TestAuthority()


@pytest.fixture
def tls_receiver(authority: TestAuthority) -> Iterator[Receiver]:
    server = Receiver(tls=authority.server_context(HOST))
    yield server
    server.close()


def test_sni_and_certificate_use_the_registered_name(
    tls_receiver: Receiver, authority: TestAuthority
) -> None:
    resolver = StubResolver({HOST: ["127.0.0.1"]})

    result = send_webhook(
        f"https://{HOST}:{tls_receiver.port}/ok",
        b"{}",
        {},
        allow=AllowList.parse(f"127.0.0.1:{tls_receiver.port}"),
        resolver=resolver,
        ssl_context=authority.client_context(),
    )

    assert result.ok, result.error
    assert result.address == "127.0.0.1"
    assert tls_receiver.sni_names == [HOST]
    assert tls_receiver.requests[0].headers["Host"] == f"{HOST}:{tls_receiver.port}"


def test_a_certificate_for_another_name_fails_as_tls(
    tls_receiver: Receiver, authority: TestAuthority
) -> None:
    other = "other.customer.test"
    resolver = StubResolver({other: ["127.0.0.1"]})

    result = send_webhook(
        f"https://{other}:{tls_receiver.port}/ok",
        b"{}",
        {},
        allow=AllowList.parse(f"127.0.0.1:{tls_receiver.port}"),
        resolver=resolver,
        ssl_context=authority.client_context(),
    )

    assert result.error is not None
    assert result.error.kind == "tls"
    assert tls_receiver.requests == []


def test_the_default_context_does_not_trust_a_private_authority(
    tls_receiver: Receiver,
) -> None:
    result = send_webhook(
        f"https://{HOST}:{tls_receiver.port}/ok",
        b"{}",
        {},
        allow=AllowList.parse(f"127.0.0.1:{tls_receiver.port}"),
        resolver=StubResolver({HOST: ["127.0.0.1"]}),
    )

    assert result.error is not None
    assert result.error.kind == "tls"
