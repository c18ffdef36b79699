from __future__ import annotations

import pytest

from smsbridge.errors import InvalidRecipientError
from smsbridge.numbers import normalize, to_digits


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+41 79 123 45 67", None, "+41791234567"),
        ("0041791234567", None, "+41791234567"),
        ("079 123 45 67", "CH", "+41791234567"),
        ("0791234567", "JO", "+962791234567"),
        ("+962 79 123 4567", None, "+962791234567"),
        ("+33 6 12 34 56 78", "JO", "+33612345678"),
    ],
)
def test_normalize_to_e164(raw: str, region: str | None, expected: str) -> None:
    assert normalize(raw, region=region) == expected


@pytest.mark.parametrize("raw", ["", "   ", "hello", "+1", "+41 79 123", "0791234567", "+999123456789"])
def test_invalid_numbers_are_typed_errors_naming_the_number(raw: str) -> None:
    with pytest.raises(InvalidRecipientError) as info:
        normalize(raw, provider="x")
    assert info.value.before_request
    assert info.value.provider == "x"
    if raw.strip():
        assert raw.strip() in str(info.value)


def test_targets_only_where_supported() -> None:
    assert normalize("@alice", targets=True) == "@alice"
    assert normalize("#staff", targets=True) == "#staff"
    with pytest.raises(InvalidRecipientError):
        normalize("@alice")
    with pytest.raises(InvalidRecipientError):
        normalize("#", targets=True)


def test_to_digits() -> None:
    assert to_digits("+41791234567") == "41791234567"
    assert to_digits("41791234567") == "41791234567"
