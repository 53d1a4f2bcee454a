"""Credentials for other sites are sealed under the site key and bound to their use."""

from __future__ import annotations

import pytest

from signoff.outbound.credentials import CredentialUnreadable, open_sealed, seal

KEY = "a-site-key-of-some-length-0123456789"


def test_a_sealed_credential_opens_with_the_same_key_and_purpose() -> None:
    sealed = seal(KEY, "confluence-site:acme", "ATATT3xFfGF0-token")
    assert "ATATT3xFfGF0" not in sealed
    assert open_sealed(KEY, "confluence-site:acme", sealed) == "ATATT3xFfGF0-token"


def test_sealing_twice_gives_different_text() -> None:
    assert seal(KEY, "p", "secret") != seal(KEY, "p", "secret")


@pytest.mark.parametrize(
    ("key", "purpose"),
    [
        ("another-site-key-0123456789", "confluence-site:acme"),
        (KEY, "confluence-site:other"),
    ],
)
def test_another_key_or_purpose_does_not_open_it(key: str, purpose: str) -> None:
    sealed = seal(KEY, "confluence-site:acme", "secret")
    with pytest.raises(CredentialUnreadable):
        open_sealed(key, purpose, sealed)


@pytest.mark.parametrize(
    "stored", ["", "secret", "v1.", "v2.AAAA", "v1.!!!!", "v1.AAAA"]
)
def test_anything_but_a_sealed_value_is_unreadable(stored: str) -> None:
    with pytest.raises(CredentialUnreadable):
        open_sealed(KEY, "p", stored)


def test_a_flipped_bit_is_detected() -> None:
    sealed = seal(KEY, "p", "secret")
    body = bytearray(sealed.encode("ascii"))
    body[-3] = ord("A") if body[-3] != ord("A") else ord("B")
    with pytest.raises(CredentialUnreadable):
        open_sealed(KEY, "p", body.decode("ascii"))
