"""The plugin API's shared readers and checks (issue 17): data of any shape, options, admin
parameters, whole numbers and the provider's estimate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from smsbridge.plugin import (
    AdminOperation,
    AdminParam,
    CallbackRequest,
    InvalidMessageError,
    Message,
    RawReply,
    Recipient,
    UnreadableReplyError,
    UnsupportedOperationError,
    admin_error,
    callback_items,
    check_options,
    checked_by,
    find_operation,
    first_text,
    form_pairs,
    list_of,
    numbers_in,
    objects_of,
    option_flag,
    parse_int,
    parse_zone,
    phone_digits,
    provider_estimate,
    records_of,
    texts_of,
    unxml,
    wire_fields,
    xml_root,
)

# ---------------------------------------------------------------------------- lists of any shape


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ([{"a": 1}, "x", {"b": 2}], [{"a": 1}, {"b": 2}]),
        ({"item": [{"a": "1"}, {"a": "2"}]}, [{"a": "1"}, {"a": "2"}]),
        ({"item": {"a": "1"}}, [{"a": "1"}]),
        ({"a": "1", "b": {"c": 2}}, [{"a": "1", "b": {"c": 2}}]),
        (None, []),
        ("text", []),
        ({}, []),
    ],
)
def test_objects_of_reads_a_list_whatever_the_wrapping(node: Any, expected: list[dict[str, Any]]) -> None:
    assert objects_of(node) == expected


def test_objects_of_stops_at_a_bounded_depth() -> None:
    node: Any = [{"a": 1}]
    for _ in range(50):
        node = {"w": node}
    assert objects_of(node) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ({}, []), ({"a": 1}, [{"a": 1}]), ([1, {"a": 1}], [1, {"a": 1}]), ("x", None), (5, None)],
)
def test_list_of_takes_a_single_xml_element_as_a_list(value: Any, expected: Any) -> None:
    assert list_of(value) == expected


def test_records_of_wants_mappings_only() -> None:
    assert records_of([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert records_of({"a": 1}) == [{"a": 1}]
    assert records_of([{"a": 1}, "x"]) is None
    assert records_of("x") is None


def test_unxml_gives_the_json_shape() -> None:
    data = {"@version": "1", "status": {"#text": "OK", "@x": "y"}, "data": {"item": [{"id": "1"}, {"id": "2"}]}}
    assert unxml(data) == {"status": "OK", "data": [{"id": "1"}, {"id": "2"}]}
    assert unxml({"data": {"item": None}}) == {"data": []}
    assert unxml({"rows": {"row": {"id": "1"}}}, "row") == {"rows": [{"id": "1"}]}


def _reply(body: str, status: int = 200) -> RawReply:
    return RawReply(status=status, body=body, url="https://example.org/x")


def test_xml_root_reads_the_root_element_s_children() -> None:
    body = "<response><status>OK</status><data><item><id>1</id></item></data></response>"
    assert xml_root(_reply(body), "test") == {"status": "OK", "data": {"item": {"id": "1"}}}
    assert xml_root(_reply(body), "test", item="item", force_list=("item",)) == {
        "status": "OK",
        "data": [{"id": "1"}],
    }


@pytest.mark.parametrize("body", ["<response>just text</response>", "<response/>", "<a><b>", "not xml"])
def test_xml_root_refuses_a_root_without_fields(body: str) -> None:
    with pytest.raises(UnreadableReplyError):
        xml_root(_reply(body), "test")


def test_xml_root_refuses_hostile_nesting() -> None:
    body = "<r>" + "<a>" * 3000 + "x" + "</a>" * 3000 + "</r>"
    with pytest.raises(UnreadableReplyError):
        xml_root(_reply(body), "test", item="item")


# ---------------------------------------------------------------------------- numbers and texts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("33612345678", "33612345678"),
        ("+33 6 12 34 56 78", "33612345678"),
        ("0033612345678", "33612345678"),
        (33612345678, "33612345678"),
        ("٣٣٦", None),  # Arabic-Indic digits are no ASCII digits
        (True, None),
        (3.5, None),
        ("", None),
    ],
)
def test_phone_digits(value: Any, expected: str | None) -> None:
    assert phone_digits(value) == expected


def test_numbers_in_reads_every_way_of_writing_a_list_of_numbers() -> None:
    assert numbers_in("") == set()
    assert numbers_in("336111, +336222;00336333 | 336444") == {"336111", "336222", "336333", "336444"}
    assert numbers_in([336111, "336222"]) == {"336111", "336222"}
    assert numbers_in({"item": [{"phoneNumber": "+336111", "why": "9"}, {"msisdn": "336222"}]}) == {"336111", "336222"}
    assert numbers_in({"to": "336111"}, keys=("to",)) == {"336111"}
    assert numbers_in(None) == set()


def test_first_text_and_texts_of() -> None:
    data = {"a": "  ", "b": 5, "c": "x", "d": None, "e": ""}
    assert first_text(data, ("a", "d", "b", "c")) == "5"
    assert first_text(data, ("a", "d")) is None
    assert first_text("not a mapping", ("a",)) is None
    assert texts_of(data, ("a", "b", "d", "c", "missing")) == {"a": "", "b": "5", "c": "x"}


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("12", {}, 12),
        (12, {}, 12),
        (12.0, {}, 12),
        ("12,0", {"comma": "decimal"}, 12),
        ("1,000", {"comma": "thousands"}, 1000),
        ("12.5", {}, None),
        ("10000000000000", {}, None),
        (10**15, {"limit": 10**18}, 10**15),
        (True, {}, None),
        ("x", {}, None),
    ],
)
def test_parse_int(value: Any, kwargs: dict[str, Any], expected: int | None) -> None:
    assert parse_int(value, **kwargs) == expected


# ---------------------------------------------------------------------------- callbacks


def test_callback_items_reads_query_form_and_json() -> None:
    assert callback_items(CallbackRequest(query={"a": "1"}, form={"b": "2"})) == [{"a": "1", "b": "2"}]
    assert callback_items(CallbackRequest(query={"a": "1"}, body=b'{"b": 2}')) == [{"a": "1", "b": 2}]
    assert callback_items(CallbackRequest(body=b'[{"b": 1}, 5, {"b": 2}]')) == [{"b": 1}, {"b": 2}]
    assert callback_items(CallbackRequest(body=b"b=2&c=")) == [{"b": "2", "c": ""}]
    assert callback_items(CallbackRequest(query={"a": "1"}, body=b"{broken")) == [{"a": "1"}]


# ---------------------------------------------------------------------------- options


def test_check_options_names_the_unknown_ones_before_any_request() -> None:
    check_options({"a": 1}, ("a", "b"), provider="Prov")
    with pytest.raises(InvalidMessageError, match=r"unknown message option\(s\) x, y; Prov takes: a, b") as info:
        check_options({"y": 1, "x": 2, "a": 3}, ("a", "b"), provider="Prov")
    assert info.value.before_request
    with pytest.raises(InvalidMessageError, match=r"unknown inbound filter\(s\) 5"):
        check_options([5], ("a",), provider="Prov", what="inbound filter")


@pytest.mark.parametrize(("value", "flag"), [(True, True), ("yes", True), (1, True), ("off", False), (0, False)])
def test_option_flag(value: Any, flag: bool) -> None:
    assert option_flag(value, "f") is flag


def test_option_flag_refuses_anything_else() -> None:
    with pytest.raises(InvalidMessageError, match="'f' takes yes/no"):
        option_flag("maybe", "f")
    with pytest.raises(InvalidMessageError):
        option_flag(" ", "f")
    assert option_flag(" ", "f", blank_is_no=True) is False


def test_checked_by_is_an_attrs_validator_of_a_parser() -> None:
    @attrs.define
    class Config:
        zone: str = attrs.field(default="UTC", validator=checked_by(parse_zone))
        other: str | None = attrs.field(default=None, validator=checked_by(parse_zone, optional=True))

    assert Config("Europe/Paris").zone == "Europe/Paris"
    with pytest.raises(ValueError, match="time zone"):
        Config("Mars/Olympus")
    with pytest.raises(ValueError, match="time zone"):
        Config("UTC", "nowhere")


# ---------------------------------------------------------------------------- admin parameters

OPS = (AdminOperation("a", "A.", (AdminParam("x", "str"), AdminParam("n", "int"))), AdminOperation("b", "B."))


def test_find_operation() -> None:
    assert find_operation(OPS, "b", provider="Prov") is OPS[1]
    with pytest.raises(UnsupportedOperationError, match="Prov has no operation 'c'"):
        find_operation(OPS, "c", provider="Prov")


def test_admin_error_names_the_operation_before_any_request() -> None:
    error = admin_error("op", "x must be positive")
    assert isinstance(error, InvalidMessageError)
    assert (error.message, error.before_request) == ("op: x must be positive", True)
    assert error.hint and "admin --list" in error.hint


def test_form_pairs_reads_a_mapping_or_a_query_string() -> None:
    assert form_pairs("op", "fields", {"a": 1, "b": True, "c": "x"}) == {"a": "1", "b": "1", "c": "x"}
    assert form_pairs("op", "fields", "a=1&b=&c=x%20y") == {"a": "1", "b": "", "c": "x y"}
    assert form_pairs("op", "fields", {}) == {}


@pytest.mark.parametrize("value", ["", "no pairs", 5, ["a=1"], {"": "1"}, {"a": None}, {"a": [1]}, {"a": {"b": 1}}])
def test_form_pairs_refuses_anything_else(value: Any) -> None:
    with pytest.raises(InvalidMessageError, match=r"^op: fields"):
        form_pairs("op", "fields", value)


def test_wire_fields_refuses_blank_text_for_an_operation() -> None:
    params = {"x": "  ", "n": 5}
    assert wire_fields(params, ("x", "n"), strip=True) == {"n": "5"}
    with pytest.raises(InvalidMessageError, match=r"^op: x must be a non-empty text"):
        wire_fields(params, ("x", "n"), strip=True, operation="op")
    assert wire_fields({"x": " a ", "y": None}, ("x", "y"), strip=True, operation="op") == {"x": "a"}


# ---------------------------------------------------------------------------- estimates


def _message(text: str, *recipients: Recipient) -> Message:
    return Message(text=text, recipients=recipients)


def test_provider_estimate_counts_like_the_core() -> None:
    raw = _reply("{}")
    message = _message("x" * 200, Recipient("+33612345678"), Recipient("+33612345679"))
    estimate = provider_estimate(message, Decimal("45"), cost_unit="credits", provider_segments=3, raw=raw)
    assert (estimate.text.segments, estimate.recipients, estimate.segments_total) == (2, 2, 4)
    assert (estimate.provider_cost, estimate.cost_unit, estimate.provider_segments) == (Decimal("45"), "credits", 3)
    assert estimate.raw is not None


def test_provider_estimate_counts_the_first_recipient_s_text() -> None:
    message = _message("Hi {name}", Recipient("+33612345678", params={"name": "x" * 200}))
    assert provider_estimate(message, None).text.segments == 2
    unfilled = _message("Hi {name}", Recipient("+33612345678", params={"other": "1"}))
    assert provider_estimate(unfilled, None).text.characters == len("Hi {name}")
    assert provider_estimate(_message("hello"), None).segments_total == 1
