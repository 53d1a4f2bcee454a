"""Delivering webhooks over real loopback sockets: pinning, redirects, limits."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from signoff.notify.delivery import MIB, send_webhook
from signoff.notify.signing import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
    webhook_headers,
)
from signoff.outbound.url_policy import AllowList, check_webhook_url

from .servers import BIG_RESPONSE_BYTES, CountingListener, Receiver, StubResolver

SECRET = "whsec-test-secret"
BODY = json.dumps({"event": "approval.approved", "page": 7}).encode()


@pytest.fixture
def blocked() -> Iterator[CountingListener]:
    listener = CountingListener("127.0.0.1")
    yield listener
    listener.close()


@pytest.fixture
def receiver(blocked: CountingListener) -> Iterator[Receiver]:
    server = Receiver(location=f"http://127.0.0.1:{blocked.port}/")
    yield server
    server.close()


def allow_receiver(receiver: Receiver) -> AllowList:
    return AllowList.parse(f"127.0.0.1:{receiver.port}")


def test_allowed_receiver_gets_a_signed_delivery(receiver: Receiver) -> None:
    now = datetime.now(UTC)
    headers = webhook_headers("msg-0001", SECRET, BODY, now)

    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/ok",
        BODY,
        headers,
        allow=allow_receiver(receiver),
    )

    assert result.ok, result.error
    assert result.status_code == 200
    assert result.duration_ms >= 0
    assert result.response_excerpt == "ok"
    assert result.address == "127.0.0.1"
    [delivered] = receiver.requests
    assert delivered.body == BODY
    assert delivered.headers[MESSAGE_ID_HEADER] == "msg-0001"
    assert delivered.headers["Content-Type"] == "application/json"
    assert verify(
        SECRET,
        delivered.headers[SIGNATURE_HEADER],
        delivered.headers[TIMESTAMP_HEADER],
        delivered.body,
        now=datetime.now(UTC),
    )
    assert not verify(
        "another-secret",
        delivered.headers[SIGNATURE_HEADER],
        delivered.headers[TIMESTAMP_HEADER],
        delivered.body,
        now=datetime.now(UTC),
    )


def test_a_name_is_sent_as_host_but_dialled_at_the_checked_address(
    receiver: Receiver,
) -> None:
    resolver = StubResolver({"hooks.customer.test": ["127.0.0.1"]})

    result = send_webhook(
        f"http://hooks.customer.test:{receiver.port}/ok",
        BODY,
        {},
        allow=allow_receiver(receiver),
        resolver=resolver,
    )

    assert result.ok, result.error
    assert resolver.calls == ["hooks.customer.test"]
    assert (
        receiver.requests[0].headers["Host"] == f"hooks.customer.test:{receiver.port}"
    )


def test_a_redirect_is_recorded_not_followed(
    receiver: Receiver, blocked: CountingListener
) -> None:
    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/redirect",
        BODY,
        {},
        allow=allow_receiver(receiver),
    )

    assert result.status_code == 302
    assert result.error is not None
    assert result.error.kind == "redirect"
    assert len(receiver.requests) == 1
    assert blocked.count() == 0


def test_dns_rebinding_cannot_move_the_connection(receiver: Receiver) -> None:
    """First answer allowed, every later one private: only the first is dialled."""
    # All of 127.0.0.0/8 is loopback on Linux.
    rebound = CountingListener("127.0.0.2", receiver.port)
    try:
        resolver = StubResolver(sequence=[["127.0.0.1"], ["127.0.0.2"]])
        url = f"http://rebind.attacker.test:{receiver.port}/ok"

        result = send_webhook(
            url, BODY, {}, allow=allow_receiver(receiver), resolver=resolver
        )

        assert result.ok, result.error
        assert result.address == "127.0.0.1"
        assert len(resolver.calls) == 1  # resolved once, then pinned
        assert len(receiver.requests) == 1
        assert rebound.count() == 0
        # The name's second answer is private: the policy refuses it from now on.
        refused = send_webhook(
            url, BODY, {}, allow=allow_receiver(receiver), resolver=resolver
        )
        assert refused.error is not None
        assert refused.error.kind == "refused"
        assert rebound.count() == 0
    finally:
        rebound.close()


def test_a_refused_address_falls_back_to_the_next_checked_one(
    receiver: Receiver,
) -> None:
    # Nothing listens on 127.0.0.3; both answers are inside the allowed network.
    resolver = StubResolver({"hooks.customer.test": ["127.0.0.3", "127.0.0.1"]})

    result = send_webhook(
        f"http://hooks.customer.test:{receiver.port}/ok",
        BODY,
        {},
        allow=AllowList.parse(f"127.0.0.0/29:{receiver.port}"),
        resolver=resolver,
    )

    assert result.ok, result.error
    assert result.address == "127.0.0.1"
    assert resolver.calls == ["hooks.customer.test"]


def test_one_blocked_address_among_several_refuses_the_delivery(
    receiver: Receiver,
) -> None:
    resolver = StubResolver({"mixed.attacker.test": ["127.0.0.1", "10.1.2.3"]})

    result = send_webhook(
        f"http://mixed.attacker.test:{receiver.port}/ok",
        BODY,
        {},
        allow=allow_receiver(receiver),
        resolver=resolver,
    )

    assert result.error is not None
    assert result.error.kind == "refused"
    assert "10.1.2.3" in result.error.detail
    assert receiver.requests == []


def test_a_receiver_that_never_answers_times_out(receiver: Receiver) -> None:
    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/hang",
        BODY,
        {},
        allow=allow_receiver(receiver),
        connect_timeout=0.5,
        total_timeout=0.5,
    )

    assert result.error is not None
    assert result.error.kind == "timeout"
    assert result.status_code is None


def test_a_slow_drip_cannot_outlast_the_total_timeout(receiver: Receiver) -> None:
    """Each byte arrives well within a read timeout; the total deadline still holds."""
    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/drip",
        BODY,
        {},
        allow=allow_receiver(receiver),
        connect_timeout=0.5,
        total_timeout=0.5,
    )

    assert result.error is not None
    assert result.error.kind == "timeout"


def test_a_large_response_is_read_only_up_to_the_cap(receiver: Receiver) -> None:
    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/big",
        BODY,
        {},
        allow=allow_receiver(receiver),
    )

    assert result.ok, result.error
    assert result.response_bytes == MIB
    assert result.truncated
    assert len(result.response_excerpt) <= 1024
    assert receiver.big_done.wait(timeout=5)
    assert receiver.big_sent < BIG_RESPONSE_BYTES  # we hung up long before the end


def test_a_smaller_cap_applies_too(receiver: Receiver) -> None:
    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/big",
        BODY,
        {},
        allow=allow_receiver(receiver),
        max_response_bytes=1000,
    )

    assert result.response_bytes == 1000
    assert result.truncated


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # Nothing listens on `port` any more.
    result = send_webhook(
        f"http://127.0.0.1:{port}/",
        BODY,
        {},
        allow=AllowList.parse(f"127.0.0.1:{port}"),
    )

    assert result.error is not None
    assert result.error.kind == "connect"


def test_an_unresolvable_name_is_refused() -> None:
    result = send_webhook(
        "https://nowhere.example.test/",
        BODY,
        {},
        allow=AllowList(),
        resolver=StubResolver(),
    )

    assert result.error is not None
    assert result.error.kind == "refused"
    assert "does not resolve" in result.error.detail


def test_the_sender_owns_framing_and_host_headers(receiver: Receiver) -> None:
    for name in ("Host", "content-length", "Transfer-Encoding"):
        with pytest.raises(ValueError, match=name):
            send_webhook(
                f"http://127.0.0.1:{receiver.port}/ok",
                BODY,
                {name: "x"},
                allow=allow_receiver(receiver),
            )
    assert receiver.requests == []


def test_proxy_variables_are_ignored(
    receiver: Receiver, blocked: CountingListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://127.0.0.1:{blocked.port}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy)

    result = send_webhook(
        f"http://127.0.0.1:{receiver.port}/ok", BODY, {}, allow=allow_receiver(receiver)
    )

    assert result.ok, result.error
    assert blocked.count() == 0


def test_the_checked_url_is_what_gets_delivered(receiver: Receiver) -> None:
    allow = allow_receiver(receiver)
    url = check_webhook_url(f"HTTP://127.0.0.1:{receiver.port}/ok", allow=allow)

    result = send_webhook(url, BODY, {}, allow=allow)

    assert url == f"http://127.0.0.1:{receiver.port}/ok"
    assert result.ok, result.error


def test_an_allowed_ipv6_loopback_receiver_is_reached() -> None:
    try:
        server = Receiver("::1")
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    try:
        result = send_webhook(
            f"http://[::1]:{server.port}/ok",
            BODY,
            {},
            allow=AllowList.parse(f"[::1]:{server.port}"),
        )
        assert result.ok, result.error
        assert result.address == "::1"
        assert server.requests[0].headers["Host"] == f"[::1]:{server.port}"
    finally:
        server.close()
