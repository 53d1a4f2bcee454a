"""Webhook signatures (RELIABILITY B11): HMAC over timestamp and body, replay window."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.notify.signing import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    verify,
    webhook_headers,
)

SECRET = "whsec-0123456789"
BODY = b'{"event":"approval.approved","page":7}'
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TS = int(NOW.timestamp())


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256)
    assert sign(SECRET, TS, BODY) == f"v1={expected.hexdigest()}"


def test_round_trip() -> None:
    assert verify(SECRET, sign(SECRET, TS, BODY), str(TS), BODY, now=NOW)


def test_wrong_secret_is_refused() -> None:
    assert not verify("whsec-other", sign(SECRET, TS, BODY), str(TS), BODY, now=NOW)


def test_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b"approved", b"rejected")
    assert not verify(SECRET, sign(SECRET, TS, BODY), str(TS), tampered, now=NOW)


def test_a_moved_timestamp_is_refused() -> None:
    assert not verify(SECRET, sign(SECRET, TS, BODY), str(TS + 1), BODY, now=NOW)


def test_a_replay_older_than_the_tolerance_is_refused() -> None:
    old = TS - 301
    signature = sign(SECRET, old, BODY)
    assert not verify(SECRET, signature, str(old), BODY, now=NOW)
    assert verify(SECRET, sign(SECRET, TS - 300, BODY), str(TS - 300), BODY, now=NOW)


def test_a_timestamp_too_far_in_the_future_is_refused() -> None:
    ahead = TS + 301
    assert not verify(SECRET, sign(SECRET, ahead, BODY), str(ahead), BODY, now=NOW)


def test_the_tolerance_can_be_set() -> None:
    old = TS - 30
    signature = sign(SECRET, old, BODY)
    assert not verify(
        SECRET, signature, str(old), BODY, now=NOW, tolerance=timedelta(seconds=10)
    )
    assert not verify(SECRET, signature, str(old), BODY, now=NOW, tolerance=10)
    assert verify(SECRET, signature, str(old), BODY, now=NOW, tolerance=60.0)


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [
        (None, str(TS)),
        ("", str(TS)),
        ("v1=", str(TS)),
        ("v0=" + "0" * 64, str(TS)),
        ("garbage", str(TS)),
        ("v1=zz", str(TS)),
        ("v1=é", str(TS)),
        ("SIGNED", None),
        ("SIGNED", ""),
        ("SIGNED", "-5"),
        ("SIGNED", "1e9"),
        ("SIGNED", "١٢٣"),
        ("SIGNED", "9" * 40),
    ],
)
def test_malformed_headers_are_refused(
    signature: str | None, timestamp: str | None
) -> None:
    if signature == "SIGNED":
        signature = sign(SECRET, TS, BODY)
    assert not verify(SECRET, signature, timestamp, BODY, now=NOW)


def test_any_listed_signature_may_match_during_rotation() -> None:
    header = f"{sign('whsec-old', TS, BODY)}, {sign(SECRET, TS, BODY)}"
    assert verify(SECRET, header, str(TS), BODY, now=NOW)
    assert verify("whsec-old", header, str(TS), BODY, now=NOW)
    assert not verify("whsec-third", header, str(TS), BODY, now=NOW)


def test_bytes_and_text_secrets_agree() -> None:
    assert sign(SECRET, TS, BODY) == sign(SECRET.encode(), TS, BODY)


def test_webhook_headers_carry_id_timestamp_and_signature() -> None:
    headers = webhook_headers("outbox-42", SECRET, BODY, NOW)
    assert headers[MESSAGE_ID_HEADER] == "outbox-42"
    assert headers[TIMESTAMP_HEADER] == str(TS)
    assert verify(
        SECRET, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], BODY, now=NOW
    )


@pytest.mark.parametrize("message_id", ["", "a b", "x\r\nX-Evil: 1", "é", "x" * 201])
def test_message_ids_cannot_inject_headers(message_id: str) -> None:
    with pytest.raises(ValueError, match="message id"):
        webhook_headers(message_id, SECRET, BODY, NOW)


def test_programming_errors_raise() -> None:
    with pytest.raises(ValueError, match="empty"):
        sign("", TS, BODY)
    with pytest.raises(ValueError, match="aware"):
        verify(SECRET, "v1=00", str(TS), BODY, now=datetime(2026, 1, 1))  # noqa: DTZ001


@given(
    secret=st.binary(min_size=1, max_size=64),
    body=st.binary(max_size=512),
    data=st.data(),
)
def test_any_body_round_trips_and_any_byte_change_fails(
    secret: bytes, body: bytes, data: st.DataObject
) -> None:
    signature = sign(secret, TS, body)
    assert verify(secret, signature, str(TS), body, now=NOW)
    if body:
        index = data.draw(st.integers(0, len(body) - 1), label="index")
        flip = data.draw(st.integers(1, 255), label="xor")
        changed = bytearray(body)
        changed[index] ^= flip
        assert not verify(secret, signature, str(TS), bytes(changed), now=NOW)


@given(secret=st.binary(min_size=1, max_size=64), data=st.data())
def test_any_single_byte_change_to_the_secret_fails(
    secret: bytes, data: st.DataObject
) -> None:
    signature = sign(secret, TS, BODY)
    index = data.draw(st.integers(0, len(secret) - 1), label="index")
    changed = bytearray(secret)
    changed[index] ^= data.draw(st.integers(1, 255), label="xor")
    assert not verify(bytes(changed), signature, str(TS), BODY, now=NOW)
