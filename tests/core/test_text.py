from __future__ import annotations

import pytest

from smsbridge.text import analyze, is_gsm7, render, template_fields


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
    with pytest.raises(ValueError):
        analyze("x", encoding="utf8")


def test_gsm7_detection() -> None:
    assert is_gsm7("Hello [world] ~ {x} | ^ \\ €")
    assert not is_gsm7("Hello `world`")


def test_template_fields_and_render() -> None:
    assert template_fields("Hi {name}, {code} {name} {{literal}}") == ["name", "code"]
    assert render("Hi {name} {{x}}", {"name": "Ann"}) == "Hi Ann {x}"
    with pytest.raises(KeyError):
        render("Hi {name}", {})
