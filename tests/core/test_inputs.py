"""Every argument of the account API is checked before any request: a wrong type or value is a
typed smsbridge error (``before_request=True``, the provider named), never a Python exception
from deep inside a plugin or the transport, and never an "unknown" outcome for a message that
was certainly not sent (issue 13, points 12 and 19)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest

import smsbridge
from smsbridge import (
    InvalidMessageError,
    InvalidSenderError,
    ProviderError,
    ReceiptStatus,
    SmsBridgeError,
    UnsupportedOperationError,
)
from smsbridge.testing import fake_account, reply

UTC = dt.timezone.utc
FUTURE = dt.datetime.now(UTC) + dt.timedelta(days=1)
YEAR_9999 = dt.datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
NUMBER = "+41791234567"

# Every real provider, with a recipient it takes.  The transport is a FakeTransport: any
# request would be recorded (and answered with junk), so "before any request" is checked.
PROVIDERS = {
    "aspsms": ("aspsms://user-key:pass-word@default?sender=Shop", "+41791234567"),
    "server2sms": ("server2sms://user-key:pass-word@default?sender=Shop", "+41791234567"),
    "allmysms": ("allmysms://login:api-key-123@default?sender=Shop", "+33612345678"),
    "jormall": ("jormall://acc-name:pass-word@default?sender=Shop", "+962791234567"),
    "junubsms": ("junubsms://user:token-1234@default?sender=Shop", "+211921234567"),
    "playsms": ("playsms://user:token-1234@sms.example.org/index.php?sender=Shop", "+211921234567"),
}


def provider_account(provider: str) -> tuple[Any, str]:
    url, number = PROVIDERS[provider]
    return fake_account(url, [reply("{}", content_type="application/json")]), number


def assert_typed_before_request(info: pytest.ExceptionInfo[Any], provider: str) -> None:
    error = info.value
    assert isinstance(error, SmsBridgeError)
    assert error.provider == provider
    if isinstance(error, ProviderError):
        assert error.before_request, f"{type(error).__name__} should say it was raised before any request"


# ---------------------------------------------------------------------------- the inputs


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda a, n: a.send(n, "a\ud800b"), InvalidMessageError),
        (lambda a, n: a.send(n, "hi", sender=12345), InvalidSenderError),
        (lambda a, n: a.send(n, "hi", schedule=YEAR_9999), (InvalidMessageError, UnsupportedOperationError)),
        (lambda a, n: a.estimate("hi", encoding="utf8"), InvalidMessageError),
        (lambda a, n: a.estimate(None), InvalidMessageError),
        (lambda a, n: a.estimate("a\ud800b"), InvalidMessageError),
        (lambda a, n: a.bulk_send([n], "a\ud800b"), InvalidMessageError),
        (lambda a, n: a.prepare("hi", sender=12345), InvalidSenderError),
    ],
    ids=[
        "lone-surrogate",
        "int-sender",
        "year-9999",
        "estimate-utf8",
        "estimate-none",
        "estimate-surrogate",
        "bulk-surrogate",
        "prepare-int-sender",
    ],
)
def test_bad_inputs_are_typed_before_any_request(provider: str, call: Any, error: Any) -> None:
    account, number = provider_account(provider)
    with pytest.raises(error) as info:
        call(account, number)
    assert_typed_before_request(info, provider)
    assert account.ctx.http.sent == [], "nothing may reach the provider"


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_surrogate_in_one_recipients_fields_rejects_that_recipient_only(provider: str) -> None:
    account, number = provider_account(provider)
    summary = account.bulk_send([{"to": number, "name": "Ann\udcff"}], "Hi {name}")
    (receipt,) = summary.receipts
    assert receipt.status is ReceiptStatus.REJECTED, receipt
    assert "lone surrogate" in (receipt.reason or "")
    assert account.ctx.http.sent == []


# ---------------------------------------------------------------------------- every public argument


def bad_calls() -> list[Any]:
    """(id, call) pairs: every public Account method with an argument of a wrong type or value."""
    n = NUMBER
    weird_zone = dt.datetime(2030, 1, 1, tzinfo=_NoOffset())
    return [
        ("send-text-none", lambda a: a.send(n, None)),
        ("send-text-int", lambda a: a.send(n, 42)),
        ("send-text-bytes", lambda a: a.send(n, b"hi")),
        ("send-to-bytes", lambda a: a.send(n.encode(), "hi")),
        ("send-sender-bytes", lambda a: a.send(n, "hi", sender=b"Shop")),
        ("send-flash-text", lambda a: a.send(n, "hi", flash="no")),
        ("send-schedule-text", lambda a: a.send(n, "hi", schedule="tomorrow")),
        ("send-schedule-date", lambda a: a.send(n, "hi", schedule=dt.date(2030, 1, 1))),
        ("send-schedule-naive", lambda a: a.send(n, "hi", schedule=dt.datetime(2030, 1, 1))),
        ("send-schedule-no-offset", lambda a: a.send(n, "hi", schedule=weird_zone)),
        ("send-schedule-9999", lambda a: a.send(n, "hi", schedule=YEAR_9999)),
        ("send-client-ref-list", lambda a: a.send(n, "hi", client_ref=["x"])),
        ("send-client-ref-empty", lambda a: a.send(n, "hi", client_ref="")),
        ("send-client-ref-newline", lambda a: a.send(n, "hi", client_ref="a\nb")),
        ("send-client-ref-surrogate", lambda a: a.send(n, "hi", client_ref="a\ud800")),
        ("send-encoding-utf8", lambda a: a.send(n, "hi", encoding="utf8")),
        ("send-encoding-int", lambda a: a.send(n, "hi", encoding=7)),
        ("send-options-text", lambda a: a.send(n, "hi", options="x=1")),
        ("send-options-int-key", lambda a: a.send(n, "hi", options={1: "x"})),
        ("send-options-surrogate", lambda a: a.send(n, "hi", options={"x": "\udcff"})),
        ("prepare-text-none", lambda a: a.prepare(None)),
        ("estimate-text-none", lambda a: a.estimate(None)),
        ("estimate-encoding", lambda a: a.estimate("hi", encoding="latin1")),
        ("estimate-sender", lambda a: a.estimate("hi", [n], sender=12345)),
        ("status-none", lambda a: a.delivery_status(None)),
        ("status-float", lambda a: a.delivery_status([1.5])),
        ("status-empty", lambda a: a.delivery_status([""])),
        ("status-newline", lambda a: a.delivery_status(["1\r\n2"])),
        ("status-surrogate", lambda a: a.delivery_status("\ud800")),
        ("inbound-folder-none", lambda a: a.inbound(None)),
        ("inbound-folder-empty", lambda a: a.inbound("")),
        ("inbound-limit-zero", lambda a: a.inbound(limit=0)),
        ("inbound-limit-text", lambda a: a.inbound(limit="5")),
        ("inbound-limit-bool", lambda a: a.inbound(limit=True)),
        ("inbound-since-list", lambda a: a.inbound(since_id=["1"])),
        ("callback-none", lambda a: a.parse_callback(None)),
        ("callback-text", lambda a: a.parse_callback("id=1")),
        ("callback-int-value", lambda a: a.parse_callback({"id": 1})),
        ("admin-operation-int", lambda a: a.admin(5)),
        ("admin-param-surrogate", lambda a: a.admin("ping", word="\ud800")),
    ]


class _NoOffset(dt.tzinfo):
    """A tzinfo that knows no offset: such a datetime is naive in all but name."""

    def utcoffset(self, when: dt.datetime | None) -> None:
        return None


CALLS = bad_calls()


@pytest.mark.parametrize("call", [c for _, c in CALLS], ids=[i for i, _ in CALLS])
def test_every_public_argument_is_checked(make_provider: Any, registry: Any, calls: list[Any], call: Any) -> None:
    spy = make_provider("spy", calls, scheduling=True, flash=True)
    registry.register(spy.plugin, name="spy")
    account = smsbridge.connect("spy://u:p@default?sender=Shop")
    with pytest.raises(SmsBridgeError) as info:
        call(account)
    assert_typed_before_request(info, "spy")
    assert [c for c in calls if c[0] != "check_recipient"] == [], "no operation hook may run"


def test_valid_variants_of_the_same_arguments_still_work(make_provider: Any, registry: Any, calls: list[Any]) -> None:
    spy = make_provider("spy", calls, scheduling=True, flash=True)
    registry.register(spy.plugin, name="spy")
    account = smsbridge.connect("spy://u:p@default?sender=Shop")
    assert account.send(NUMBER, "hi", schedule=FUTURE, flash=True, client_ref=12, encoding="ucs2").ok
    assert account.send(NUMBER, "hi", sender="Shop2", options={}).ok
    assert [r.message_id for r in account.delivery_status([12, "ab"])] == ["12", "ab"]
    assert account.inbound("inbox", since_id=7, limit=3)
    assert account.estimate("hi", None).recipients == 0
    assert account.parse_callback({"id": "1"})[0].message_id == "1"


# ---------------------------------------------------------------------------- senders (point 19)

HIDDEN = {
    "\r": "U+000D",
    "\n": "U+000A",
    "\x00": "U+0000",
    "\t": "U+0009",
    "\x1b": "U+001B",
    "\u200b": "U+200B ZERO WIDTH SPACE",
    "\u200d": "U+200D ZERO WIDTH JOINER",
    "\u200e": "U+200E LEFT-TO-RIGHT MARK",
    "\u200f": "U+200F RIGHT-TO-LEFT MARK",
    "\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "U+2066 LEFT-TO-RIGHT ISOLATE",
    "\u2060": "U+2060 WORD JOINER",
    "\ufeff": "U+FEFF ZERO WIDTH NO-BREAK SPACE",
    "\u00a0": "U+00A0 NO-BREAK SPACE",
    "\u3164": "U+3164 HANGUL FILLER",
    "\ufe0f": "U+FE0F VARIATION SELECTOR-16",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\ud800": "U+D800",
}


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
@pytest.mark.parametrize("char", sorted(HIDDEN), ids=[f"U+{ord(c):04X}" for c in sorted(HIDDEN)])
def test_control_and_invisible_characters_are_refused_in_senders(provider: str, char: str) -> None:
    account, number = provider_account(provider)
    sender = f"Sh{char}op"
    with pytest.raises(InvalidSenderError) as info:
        account.send(number, "hi", sender=sender)
    assert HIDDEN[char] in str(info.value), "the message names the character by code point"
    assert "at position 2" in str(info.value)
    assert_typed_before_request(info, provider)
    assert account.ctx.http.sent == []


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_hidden_character_in_the_urls_sender_is_refused_too(provider: str) -> None:
    url, number = PROVIDERS[provider]
    account = fake_account(url.replace("sender=Shop", "sender=Sh%E2%80%8Bop"), [reply("{}")])
    with pytest.raises(InvalidSenderError, match="U\\+200B ZERO WIDTH SPACE"):
        account.send(number, "hi")
    assert account.ctx.http.sent == []


def test_the_refused_set_covers_every_control_and_format_character() -> None:
    from smsbridge.text import invisible_character

    for code in range(0x110000):
        ch = chr(code)
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            assert invisible_character(f"A{ch}B"), f"U+{code:04X} passes"
    for visible in ("Shop", "Shop 24", "Grüße", "مرحبا", "+41791234567", "Café", "x\u0301"):
        assert invisible_character(visible) is None, visible


def test_numeric_senders_are_ascii_digits(make_provider: Any, registry: Any, calls: list[Any]) -> None:
    spy = make_provider("spy", calls)  # its rule: numeric senders refused, alphanumeric [A-Za-z][A-Za-z0-9]*
    registry.register(spy.plugin, name="spy")
    account = smsbridge.connect("spy://u:p@default")
    with pytest.raises(InvalidSenderError, match="numeric"):
        account.send(NUMBER, "hi", sender="+41791234567")
    with pytest.raises(InvalidSenderError, match="does not match the provider's rule"):  # not a phone number
        account.send(NUMBER, "hi", sender="²²²")


# ---------------------------------------------------------------------------- templates (point 14)


@pytest.mark.parametrize("provider", ["memory", "spy"])  # renders itself / the core renders for it
def test_an_oversized_template_field_is_refused_without_allocating(
    provider: str, make_provider: Any, registry: Any, calls: list[Any]
) -> None:
    import tracemalloc

    if provider == "spy":
        registry.register(make_provider("spy", calls).plugin, name="spy")
    account = smsbridge.connect(f"{provider}://u:p@default?sender=Shop" if provider == "spy" else "memory://")
    rows = [{"to": NUMBER, "name": "Ann"}, {"to": "+41791234568", "name": "Bob", "w": "400000000"}]
    tracemalloc.start()
    try:
        with pytest.raises(InvalidMessageError, match="width of 400000000") as info:
            account.send(smsbridge.Recipient(NUMBER, params={"name": "Ann"}), "Hi {name:>400000000}")
        summary = account.bulk_send(rows, "Hi {name:>{w}}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.before_request
    assert peak < 5_000_000, f"rendering allocated {peak} bytes"
    assert [r.status for r in summary.receipts or ()] == [ReceiptStatus.REJECTED] * 2  # Ann lacks {w}
    assert [c for c in calls if c[0] in ("send", "bulk_send")] == []


# ---------------------------------------------------------------------------- recipients


@pytest.mark.parametrize(
    "item",
    [
        smsbridge.Recipient(41791234567),  # type: ignore[arg-type]
        smsbridge.Recipient(NUMBER, reference="order\n42"),
        {"to": NUMBER, "reference": "a\u200bb"},
        "#STAFF\u200b",
        "@ali\x00ce",
    ],
    ids=["int-number", "reference-newline", "reference-zero-width", "group-zero-width", "user-nul"],
)
def test_recipients_are_checked_too(make_provider: Any, registry: Any, calls: list[Any], item: Any) -> None:
    registry.register(make_provider("spy", calls, targets=True).plugin, name="spy")
    account = smsbridge.connect("spy://u:p@default?sender=Shop")
    with pytest.raises(smsbridge.InvalidRecipientError) as info:
        account.send(item, "hi")
    assert_typed_before_request(info, "spy")
    summary = account.bulk_send([item, NUMBER], "hi")
    assert [r.status for r in summary.receipts or ()] == [ReceiptStatus.REJECTED, ReceiptStatus.ACCEPTED]
