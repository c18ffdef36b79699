from __future__ import annotations

import re
from typing import Any

import pytest

from smsbridge.errors import InvalidMessageError
from smsbridge.text import MAX_TEXT_LENGTH, TemplateError, analyze, is_gsm7, render, template_fields


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "gsm7", 0, 0),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # extension characters take two septets
        ("€" * 81, "gsm7", 162, 2),
        ("é" * 160, "gsm7", 160, 1),  # é is in the basic table
        ("ê" * 70, "ucs2", 70, 1),  # ê is not
        ("ê" * 71, "ucs2", 71, 2),
        ("ê" * 134, "ucs2", 134, 2),
        ("ê" * 135, "ucs2", 135, 3),
        ("مرحبا", "ucs2", 5, 1),
        ("😀" * 35, "ucs2", 70, 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "ucs2", 72, 2),
    ],
)
def test_encoding_units_and_segments(text: str, encoding: str, units: int, segments: int) -> None:
    info = analyze(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_escape_pair_never_straddles_a_segment() -> None:
    # 152 plain septets then an extension character: the pair moves whole to segment 2
    text = "a" * 152 + "€" + "b" * 10
    info = analyze(text)
    assert info.units == 164
    assert info.segments == 2
    # 306 septets would fill two segments exactly, but the pair cannot be split: three
    info = analyze("a" * 152 + "€" + "b" * 152)
    assert (info.units, info.segments) == (306, 3)


def test_surrogate_pair_never_straddles_a_segment() -> None:
    assert analyze("a" * 66 + "😀" + "b" * 4).segments == 2
    assert analyze("a" * 66 + "😀" + "b" * 66).segments == 3


def test_forced_gsm7_reports_what_is_lost() -> None:
    info = analyze("Salut ê", encoding="gsm7")
    assert info.encoding == "gsm7"
    assert info.unsupported == ("ê",)
    with pytest.raises(InvalidMessageError, match="unknown encoding 'utf8'") as info:
        analyze("x", encoding="utf8")
    assert info.value.before_request


def test_gsm7_detection() -> None:
    assert is_gsm7("Hello [world] ~ {x} | ^ \\ €")
    assert not is_gsm7("Hello `world`")


def test_template_fields_and_render() -> None:
    assert template_fields("Hi {name}, {code} {name} {{literal}}") == ["name", "code"]
    assert render("Hi {name} {{x}}", {"name": "Ann"}) == "Hi Ann {x}"
    with pytest.raises(KeyError):
        render("Hi {name}", {})


# ---------------------------------------------------------------------------- bounded templates (issue 13, point 14)


def _peak_bytes(call: Any) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        call()
    except Exception:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


@pytest.mark.parametrize(
    ("template", "params"),
    [
        ("Hi {name:>40000000}", {"name": "Ann"}),  # the issue's width, a tenth of it
        ("Hi {name:^{width}}", {"name": "Ann", "width": "40000000"}),  # a nested width
        ("Hi {name:>{width}}", {"name": "Ann", "width": "9" * 5000}),  # more digits than int() reads
        ("{amount:.40000000f}", {"amount": 1.5}),  # a precision pads numbers too
        ("{name}" * 2000, {"name": "x" * 1000}),  # every field small, the whole too long
    ],
)
def test_rendering_is_bounded_before_allocating(template: str, params: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match=r"at most|longer than"):
        render(template, params)
    assert _peak_bytes(lambda: render(template, params)) < 2_000_000


def test_the_issue_template_fails_fast() -> None:
    with pytest.raises(TemplateError, match="width of 400000000 characters; a message has at most 39015"):
        render("Hi {name:>400000000}", {"name": "Ann"})
    assert render("Hi {name:>8}!", {"name": "Ann"}) == "Hi      Ann!"
    assert len(render("{x:>39015}", {"x": "a"})) == MAX_TEXT_LENGTH  # the limit itself is fine


def test_fields_are_plain_keys_never_attributes_or_indexes() -> None:
    # a CSV column may be called "first.name"; "{name.__class__}" reaches no Python object
    assert render("Hi {first.name} {a[0]}", {"first.name": "Ann", "a[0]": "B"}) == "Hi Ann B"
    with pytest.raises(KeyError):
        render("{name.__class__.__init__}", {"name": "Ann"})
    with pytest.raises(KeyError):
        render("{name[0]}", {"name": "Ann"})
    assert template_fields("{a:>{w}} {b.c}") == ["a", "w", "b.c"]


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{} and {name}", "unnamed"),
        ("{name!x}", "conversion"),
        ("{name:{w:>3}}", "plain {name}"),
        ("{name:,d}", "cannot be filled"),
        ("{name", "valid template"),
    ],
)
def test_malformed_templates_are_template_errors(template: str, words: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(words)):
        render(template, {"name": "Ann", "w": "5"})
