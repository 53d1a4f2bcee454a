"""Credentials for other sites are sealed under the site key and bound to their use."""

from __future__ import annotations

import base64

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


@pytest.mark.parametrize("where", [0, 11, 12, -17, -1])
def test_a_flipped_bit_is_detected(where: int) -> None:
    """Anywhere: in the nonce, the ciphertext or the tag."""
    sealed = seal(KEY, "p", "secret")
    version, _, payload = sealed.partition(".")
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[where] ^= 0x01
    tampered = f"{version}.{base64.urlsafe_b64encode(bytes(raw)).decode('ascii')}"
    with pytest.raises(CredentialUnreadable):
        open_sealed(KEY, "p", tampered)
