"""RELIABILITY B9: every SSRF vector of the shared corpus is refused twice.

Once by the registration check and once by the sender, which is also aimed at a
real listener on loopback that counts connections: none may reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from corpora import SSRF_TARGETS_FILE
from signoff.domain.errors import BadInput
from signoff.notify.delivery import send_webhook
from signoff.outbound.url_policy import AllowList, check_webhook_url

from .servers import CountingListener, StubResolver

CORPUS = SSRF_TARGETS_FILE


def _vectors() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [
        line for line in lines if line.strip() and not line.lstrip().startswith("#")
    ]


VECTORS = _vectors()


def test_the_corpus_is_the_full_one() -> None:
    assert len(VECTORS) >= 60


def aimed_at(url: str, port: int) -> str | None:
    """The same http(s) vector aimed at `port` (None when it has no authority)."""
    match = re.fullmatch(r"(https?://)([^/?#]*)(.*)", url, flags=re.IGNORECASE)
    if match is None:
        return None
    scheme, authority, rest = match.groups()
    if not authority.endswith("]"):
        authority = re.sub(r":[0-9]*$", "", authority)
    return f"{scheme}{authority}:{port}{rest}"


@pytest.fixture(scope="module")
def blocked() -> Iterator[CountingListener]:
    listener = CountingListener("127.0.0.1")
    yield listener
    listener.close()


@pytest.fixture
def resolver() -> StubResolver:
    # Every name an attacker could use points at this machine.
    return StubResolver(
        {"metadata.google.internal": ["169.254.169.254"]}, default=["127.0.0.1"]
    )


def test_the_corpus_has_the_promised_size() -> None:
    assert len(VECTORS) >= 60


@pytest.mark.parametrize("url", VECTORS)
def test_registration_refuses(url: str, resolver: StubResolver) -> None:
    with pytest.raises(BadInput) as refused:
        check_webhook_url(url, allow=AllowList(), resolver=resolver)
    assert refused.value.field == "url"
    assert refused.value.message.startswith("This webhook URL is refused: ")


@pytest.mark.parametrize("url", VECTORS)
def test_delivery_refuses_without_connecting(
    url: str, resolver: StubResolver, blocked: CountingListener
) -> None:
    # The allow list names another loopback port: exceptions are exact, not broad.
    allow = AllowList.parse(f"127.0.0.1:{blocked.port + 1}")
    attempts = [url]
    aimed = aimed_at(url, blocked.port)
    if aimed is not None:
        attempts.append(aimed)
    for attempt in attempts:
        result = send_webhook(
            attempt, b"{}", {}, allow=allow, resolver=resolver, total_timeout=1
        )
        assert result.error is not None, attempt
        assert result.error.kind == "refused", (attempt, result.error)
        assert result.status_code is None
        assert result.address is None
    assert blocked.count() == 0


def test_the_listener_counts_a_connection_that_is_allowed() -> None:
    """The control: the same listener, once allow-listed, is reached and counted."""
    listener = CountingListener("127.0.0.1")
    try:
        result = send_webhook(
            f"http://127.0.0.1:{listener.port}/",
            b"{}",
            {},
            allow=AllowList.parse(f"127.0.0.1:{listener.port}"),
            connect_timeout=0.3,
            total_timeout=0.3,
        )
        assert result.error is not None
        assert result.error.kind == "timeout"  # it never answers
        assert listener.count() == 1
    finally:
        listener.close()
