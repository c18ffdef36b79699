"""GSM 03.38 encoding detection, segment counting and templating.

A text travels as GSM-7 when every character is in the basic table or the extension table
(an extension character takes two septets, and a segment boundary never splits the pair);
anything else forces UCS-2, counted in UTF-16 code units (an emoji takes two).
Single segment: 160 septets / 70 units; concatenated: 153 / 67 per segment.

Templates are ``str.format`` syntax cut down to what a message needs and can afford: a field
is a plain key of the recipient's params (``{first.name}`` looks up the key ``first.name``; no
attribute or index access), a format spec may pad or cut (``{name:>10}``, ``{code:.4}``, a
nested ``{name:>{width}}``), and the filled text is bounded (``MAX_TEXT_LENGTH``) before any
padding is allocated, so that a template can never cost more than a long SMS.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import attrs

from smsbridge.errors import InvalidMessageError

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "MAX_TEXT_LENGTH",
    "TemplateError",
    "TextInfo",
    "analyze",
    "invisible_character",
    "is_gsm7",
    "is_template",
    "render",
    "template_fields",
    "unsendable",
]

#: The longest text a concatenated SMS can carry: 255 segments of 153 GSM-7 characters.
#: No filled template may be longer, whatever the provider's own (smaller) limit.
MAX_TEXT_LENGTH = 255 * 153

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


def unsendable(text: str) -> str | None:
    """What in ``text`` no SMS can carry (for "the text holds ..."), or ``None``.

    A lone surrogate (``"\\ud800"``, e.g. from undecodable command-line bytes) has no UTF-8 or
    UTF-16 form: every provider request would fail to encode it, possibly after an earlier
    request of the same send had left.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"a lone surrogate (U+{ord(text[exc.start]):04X}) at position {exc.start}, which no SMS can carry; "
            "was it decoded with the right character set?"
        )
    return None


# Format (Cf: zero-width, bidi marks, BOM), control (Cc: CR, LF, NUL, tab), surrogate, private
# use, unassigned, and line/paragraph separator characters: none of them shows as itself.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default-ignorable characters outside those categories: they render as nothing either.
_HIDDEN_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # hangul fillers
    (0x17B4, 0x17B5),  # khmer inherent vowels
    (0x180B, 0x180F),  # mongolian variation selectors
    (0x2800, 0x2800),  # braille pattern blank
    (0x3164, 0x3164),  # hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth hangul filler
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
_CATEGORY_NAMES = {
    "Cc": "(a control character)",
    "Cs": "(a lone surrogate)",
    "Co": "(a private-use character)",
    "Cn": "(an unassigned code point)",
}


def invisible_character(text: str) -> str | None:
    """The first control or invisible character of ``text``, described by code point, or ``None``.

    Zero-width and bidi marks, CR/LF, NUL and the like let a short text pass for another
    (a sender id that looks like "Bank" but is not) or break the wire format of a provider.
    Spaces other than U+0020 count too: they look like a space and are not one.
    """
    import unicodedata

    for position, ch in enumerate(text):
        code = ord(ch)
        category = unicodedata.category(ch)
        if (
            category in _HIDDEN_CATEGORIES
            or (category == "Zs" and ch != " ")
            or any(low <= code <= high for low, high in _HIDDEN_RANGES)
        ):
            name = unicodedata.name(ch, "") or _CATEGORY_NAMES.get(category, "an invisible character")
            return f"U+{code:04X} {name} at position {position}"
    return None


@attrs.frozen
class TextInfo:
    """How a text travels (``analyze``): GSM-7 or UCS-2, how many units, how many segments."""

    encoding: str  # "gsm7" or "ucs2"
    characters: int
    units: int  # septets for gsm7 (extension characters count two), UTF-16 units for ucs2
    segments: int
    per_segment: int
    unsupported: tuple[str, ...] = ()  # characters that forced UCS-2


def analyze(text: str, *, encoding: str | None = None) -> TextInfo:
    """Encoding, length and segment count of ``text``.

    ``encoding`` forces "gsm7" or "ucs2"; forcing gsm7 on a text that needs UCS-2 still
    reports the characters that will be lost in ``unsupported``.  A text that is not a string,
    cannot travel (``unsendable``) or an unknown encoding raise ``InvalidMessageError``.
    """
    if not isinstance(text, str):
        raise InvalidMessageError(f"the text must be a string, not {type(text).__name__}", before_request=True)
    if encoding not in (None, *_SINGLE):
        raise InvalidMessageError(f"unknown encoding {encoding!r}: use gsm7 or ucs2", before_request=True)
    problem = unsendable(text)
    if problem:
        raise InvalidMessageError(f"the text holds {problem}", before_request=True)
    unsupported = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    chosen = encoding or ("ucs2" if unsupported else "gsm7")
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


class TemplateError(ValueError):
    """A template that cannot be filled: malformed, or too long once filled (not a missing field)."""


class _Field(NamedTuple):
    literal: str  # the text before the field
    key: str | None  # None: the literal ends the template
    conversion: str | None  # "r", "s", "a" or None
    spec: tuple[tuple[str, str | None], ...]  # the format spec: literal parts and nested keys


# the standard format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(
    r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d*))?[a-zA-Z%]?",
    re.DOTALL,
)
_BRACES_HINT = "write literal braces as {{ and }}"
_CONVERSIONS: dict[str, Callable[[object], str]] = {"r": repr, "s": str, "a": ascii}


@functools.lru_cache(maxsize=256)
def _compile(text: str) -> tuple[_Field, ...]:
    """The template's fields, parsed once per text (a bulk send fills one text many times)."""
    formatter = string.Formatter()
    try:
        parsed = list(formatter.parse(text))
    except ValueError as exc:
        raise TemplateError(f"the text is not a valid template ({exc}); {_BRACES_HINT}") from None
    fields = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            fields.append(_Field(literal, None, None, ()))
            continue
        if not name:
            raise TemplateError("the template has an unnamed {} field: name every field, e.g. {name}")
        if conversion not in (None, "r", "s", "a"):
            raise TemplateError(f"the field {{{name}}} has an unknown conversion !{conversion}")
        parts: list[tuple[str, str | None]] = []
        try:
            nested = list(formatter.parse(spec or ""))
        except ValueError as exc:
            raise TemplateError(f"the format of field {{{name}}} is malformed ({exc}); {_BRACES_HINT}") from None
        for part_literal, inner, inner_spec, inner_conversion in nested:
            if inner is not None and (not inner or inner_spec or inner_conversion):
                raise TemplateError(f"a field inside the format of {{{name}}} must be a plain {{name}}")
            parts.append((part_literal, inner))
        fields.append(_Field(literal, name, conversion, tuple(parts)))
    return tuple(fields)


def template_fields(text: str) -> list[str]:
    """The ``{name}`` fields of a template (nested ones included), in order of first appearance.

    Raises ``ValueError`` for unbalanced braces.
    """
    try:
        compiled = _compile(text)
    except TemplateError:  # the names are there; filling it will say what is wrong
        return list(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(text) if name))
    seen: dict[str, None] = {}
    for field in compiled:
        if field.key:
            seen[field.key] = None
        seen.update((inner, None) for _, inner in field.spec if inner)
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


def render(text: str, params: Mapping[str, Any], *, limit: int = MAX_TEXT_LENGTH) -> str:
    """Fill ``{name}`` fields from ``params``; ``{{``/``}}`` are literal braces.

    A missing field is a ``KeyError``.  A malformed template, a format spec that does not fit
    the value, or a result longer than ``limit`` characters is a ``TemplateError``; a padding
    width or precision beyond the limit is refused before anything is allocated.
    """
    out: list[str] = []
    size = 0
    for literal, key, conversion, spec_parts in _compile(text):
        out.append(literal)
        size += len(literal)
        if key is not None:
            value = params[key]
            if conversion is None and not spec_parts and type(value) is str:
                filled = value  # the common case: a plain {name}
            else:
                filled = _filled(key, value, conversion, spec_parts, params, limit)
            out.append(filled)
            size += len(filled)
        if size > limit:
            break
    if size > limit:
        raise TemplateError(f"the filled text would be longer than {limit} characters")
    return "".join(out)


def _filled(
    key: str,
    value: Any,
    conversion: str | None,
    spec_parts: tuple[tuple[str, str | None], ...],
    params: Mapping[str, Any],
    limit: int,
) -> str:
    """One field with a conversion or a format spec, its width and precision checked first."""
    if conversion is not None:
        value = _CONVERSIONS[conversion](value)
    spec = "".join(part + (str(params[inner]) if inner else "") for part, inner in spec_parts)
    if spec:
        _check_spec(key, spec, limit)
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        raise TemplateError(f"the field {{{key}}} cannot be filled ({exc})") from None


def _check_spec(key: str, spec: str, limit: int) -> None:
    """Refuse a width or precision no message can hold, before ``format`` allocates it."""
    match = _SPEC.fullmatch(spec)
    if match is None:
        raise TemplateError(f"the field {{{key}}} has a format spec smsbridge does not take: {spec!r}")
    for part in ("width", "precision"):
        digits = match.group(part)
        if digits and (len(digits) > len(str(limit)) or int(digits) > limit):
            asked = digits if len(digits) <= 12 else f"over {limit}"
            raise TemplateError(
                f"the field {{{key}}} asks for a {part} of {asked} characters; a message has at most {limit}"
            )
