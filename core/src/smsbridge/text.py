"""GSM 03.38 encoding detection, segment counting and templating.

A text travels as GSM-7 when every character is in the basic table or the extension table
(an extension character takes two septets, and a segment boundary never splits the pair);
anything else forces UCS-2, counted in UTF-16 code units (an emoji takes two).
Single segment: 160 septets / 70 units; concatenated: 153 / 67 per segment.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping

from smsbridge.models import TextInfo

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "analyze", "is_gsm7", "is_template", "render", "template_fields"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {"gsm7": 160, "ucs2": 70}
_MULTI = {"gsm7": 153, "ucs2": 67}


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _gsm7_segments(text: str) -> tuple[int, int]:
    units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    if units <= _SINGLE["gsm7"]:
        return units, 1 if units else 0
    # pack greedily; an escape pair never straddles two segments
    segments, used = 1, 0
    for ch in text:
        size = 2 if ch in GSM7_EXTENSION else 1
        if used + size > _MULTI["gsm7"]:
            segments += 1
            used = 0
        used += size
    return units, segments


def _ucs2_segments(text: str) -> tuple[int, int]:
    units = len(text.encode("utf-16-le")) // 2
    if units <= _SINGLE["ucs2"]:
        return units, 1 if units else 0
    # a surrogate pair never straddles two segments
    segments, used = 1, 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > _MULTI["ucs2"]:
            segments += 1
            used = 0
        used += size
    return units, segments


def analyze(text: str, *, encoding: str | None = None) -> TextInfo:
    """Encoding, length and segment count of ``text``.

    ``encoding`` forces "gsm7" or "ucs2"; forcing gsm7 on a text that needs UCS-2 still
    reports the characters that will be lost in ``unsupported``.
    """
    unsupported = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    chosen = encoding or ("ucs2" if unsupported else "gsm7")
    if chosen not in _SINGLE:
        raise ValueError(f"unknown encoding {encoding!r}: use 'gsm7' or 'ucs2'")
    units, segments = _gsm7_segments(text) if chosen == "gsm7" else _ucs2_segments(text)
    per = _SINGLE[chosen] if segments <= 1 else _MULTI[chosen]
    return TextInfo(
        encoding=chosen,
        characters=len(text),
        units=units,
        segments=segments,
        per_segment=per,
        unsupported=unsupported,
    )


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def template_fields(text: str) -> list[str]:
    """The ``{name}`` fields of a template, in order of first appearance."""
    seen: dict[str, None] = {}
    for _, name, _, _ in string.Formatter().parse(text):
        if name:
            seen[name] = None
    return list(seen)


@functools.lru_cache(maxsize=256)  # asked for every recipient of a bulk send, of one text
def is_template(text: str) -> bool:
    """A text is a template when it has ``{name}`` fields; then ``{{``/``}}`` are literal braces.

    A text without fields (malformed braces included) is sent exactly as written.
    """
    try:
        return bool(template_fields(text))
    except ValueError:
        return False


def render(text: str, params: Mapping[str, str]) -> str:
    """Fill ``{name}`` fields; ``{{``/``}}`` are literal braces.  A missing field is a KeyError."""
    return text.format_map(_Fields(params))
