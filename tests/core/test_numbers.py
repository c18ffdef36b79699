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


# South Sudan's operators use +211 93/94 numbers that phonenumbers' metadata calls invalid.
NEWER_THAN_METADATA = ["+211933000003", "+211 944 000 004"]


@pytest.mark.parametrize("raw", NEWER_THAN_METADATA)
def test_valid_is_the_default_check_and_hints_at_possible(raw: str) -> None:
    with pytest.raises(InvalidRecipientError) as info:
        normalize(raw)
    assert "number_check=possible" in (info.value.hint or "")


@pytest.mark.parametrize("raw", NEWER_THAN_METADATA)
def test_possible_check_accepts_numbers_of_the_right_length(raw: str) -> None:
    assert normalize(raw, check="possible") == "+" + "".join(c for c in raw if c.isdigit())


@pytest.mark.parametrize("raw", ["+21193300000", "+2119330000033", "hello", "+1"])
def test_possible_check_still_refuses_wrong_lengths(raw: str) -> None:
    with pytest.raises(InvalidRecipientError) as info:
        normalize(raw, check="possible")
    assert "number_check" not in (info.value.hint or "")


def test_number_check_is_an_account_option() -> None:
    import smsbridge
    from smsbridge.errors import ConfigurationError

    strict = smsbridge.connect("memory://")
    with pytest.raises(InvalidRecipientError):
        strict.send("+211933000003", "hi")
    loose = smsbridge.connect("memory://?number_check=possible")
    assert loose.send("+211933000003", "hi").ok
    assert loose.recipient("+211944000004").number == "+211944000004"
    with pytest.raises(ConfigurationError, match="number_check"):
        smsbridge.connect("memory://?number_check=loose")
