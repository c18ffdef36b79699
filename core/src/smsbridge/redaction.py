"""Hiding an account's secrets in text that is shown or stored.

Where redaction happens, and why there: replies are parsed as the provider sent them (a
redacted body can break the parse, or hide a field the parser needs), and the text is
redacted only when it leaves for a place a person or a file sees it: a stored raw reply,
an error, a log line, a report, a cassette.

A :class:`Redactor` hides two things:

* **every encoding of a known secret** that is at least ``MIN_SECRET_LENGTH`` characters long:
  raw, percent-encoded (``%20`` or ``+`` for a space, either case of hex), JSON-escaped
  (``\\u00e4`` in either case, ``\\/``, ``\\"``, surrogate pairs), XML/HTML-escaped
  (``&amp;``, ``&#228;``, ``&#xe4;``) and JSON escapes sent inside a form (``%5Cu00e4``).
  One regular expression per secret matches each character in any of its forms, so mixed
  encodings (PHP's ``k3y\\/AbC+dEf==``) are caught too.  ASCII letters, digits and ``-._~``
  are matched as they are: no encoder rewrites them, and literal runs keep the expression
  fast (a reply is scanned in microseconds);
* **the values of the provider's secret fields** (``ProviderSpec.secret_fields``) wherever
  they appear as ``name=value`` (query, form), ``"name": value`` (JSON) or
  ``<name>value</name>`` (XML), whatever the value's length or encoding.

Why a minimum length: redacting a secret by substring rewrites every occurrence of it in
any text.  A one-letter token would turn "recipients" into "recipien***s".  Secrets shorter
than ``MIN_SECRET_LENGTH`` are therefore hidden only where they are a secret field's value
(which is where a credential travels on the wire), never as a bare substring.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import weakref
from collections.abc import Iterable
from urllib.parse import quote

import attrs

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "Redactor", "install_log_redaction"]

REDACTED = "***"

#: secrets shorter than this are hidden by field, never by substring (see the module docstring)
MIN_SECRET_LENGTH = 6

_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_XML_NAMED = {"&": ("&amp;",), "<": ("&lt;",), ">": ("&gt;",), '"': ("&quot;",), "'": ("&apos;", "&#39;")}
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _json_escapes(char: str) -> set[str]:
    """The JSON escapes of one character (``\\u`` in both cases, short escapes)."""
    code = ord(char)
    if code > 0xFFFF:  # a surrogate pair, as JSON encoders write astral characters
        value = code - 0x10000
        escape = f"\\u{0xD800 + (value >> 10):04x}\\u{0xDC00 + (value & 0x3FF):04x}"
    else:
        escape = f"\\u{code:04x}"
    forms = {escape, escape.upper().replace("\\U", "\\u")}
    if char in _JSON_SHORT:
        forms.add(_JSON_SHORT[char])
    return forms


def _percent(text: str) -> set[str]:
    """``text`` percent-encoded, with upper- and lower-case hex; a space also as ``+``."""
    upper = quote(text, safe="")
    forms = {upper, _PERCENT.sub(lambda m: m.group().lower(), upper)}
    forms |= {form.replace("%20", "+") for form in forms}
    return forms


_AS_IS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")


def _char_forms(char: str) -> set[str]:
    if char in _AS_IS:  # every encoder writes ASCII letters, digits and -._~ as they are
        return {char}
    code = ord(char)
    json_forms = _json_escapes(char)
    xml_forms = {f"&#{code};", f"&#x{code:x};", f"&#x{code:X};", *_XML_NAMED.get(char, ())}
    forms = {char} | json_forms | xml_forms
    for form in (char, *json_forms):  # a JSON document sent as a form field
        forms |= _percent(form)
    return forms


@functools.lru_cache(maxsize=256)
def secret_pattern(secret: str) -> str:
    """A regular expression matching ``secret`` in any of its wire encodings."""
    parts = []
    for char in secret:
        forms = sorted(_char_forms(char), key=len, reverse=True)
        parts.append("(?:" + "|".join(re.escape(f) for f in forms) + ")")
    return "".join(parts)


@attrs.frozen
class _Plan:
    """A redactor's substitutions, with cheap tests that let most texts skip them.

    A secret field's pattern runs only where the field appears in its form (``"name"``,
    ``<name``, ``name=`` after a separator); a secret's pattern only where its longest run of
    as-is characters (``_AS_IS``) appears.  Python's regular expressions scan slowly for
    case-insensitive alternations; these tests are plain substring searches.
    """

    names: tuple[str, ...]  # the secret fields, lower-cased
    json: tuple[re.Pattern[str], str] | None
    xml: tuple[re.Pattern[str], str] | None
    form: tuple[re.Pattern[str], str] | None
    secrets: re.Pattern[str] | None
    anchors: tuple[str, ...] | None  # None: some secret has no anchor, always run
    replacement: str


def _anchor(secret: str) -> str | None:
    runs = re.findall(r"[A-Za-z0-9._~-]+", secret)
    return max(runs, key=len) if runs else None


@functools.lru_cache(maxsize=64)
def _plan(fields: frozenset[str], secrets: tuple[str, ...], replacement: str) -> _Plan:
    """Shared by every account with the same secrets and fields (and by every test example)."""
    escaped = replacement.replace("\\", "\\\\")
    by_length = sorted(secrets, key=len, reverse=True)
    anchors = [_anchor(s) for s in by_length]
    patterns: list[tuple[re.Pattern[str], str] | None] = [
        (p, r.replace("{r}", escaped)) for p, r in _field_patterns(fields)
    ] or [None, None, None]
    return _Plan(
        names=tuple(sorted({f.lower() for f in fields if f})),
        json=patterns[0],
        xml=patterns[1],
        form=patterns[2],
        secrets=re.compile("|".join(secret_pattern(s) for s in by_length)) if secrets else None,
        anchors=None if None in anchors else tuple(a for a in anchors if a),
        replacement=escaped,
    )


def _field_patterns(fields: Iterable[str]) -> list[tuple[re.Pattern[str], str]]:
    """JSON, XML and form patterns for the values of these fields (in that order)."""
    names = "|".join(re.escape(f) for f in sorted(set(fields), key=len, reverse=True) if f)
    if not names:
        return []
    return [
        # JSON: "Password": "x" (escapes included), or a bare number
        (re.compile(rf'("(?i:{names})"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)'), r'\1"{r}"'),
        # XML: <apiKey>x</apiKey>
        (re.compile(rf"(<(?i:{names})(?:\s[^>]*)?>)[^<]*(</)"), r"\1{r}\2"),
        # query or form text: name=value (after a start, ?, &, ;, space, quote or bracket)
        (re.compile(rf"((?<![^?&;\s\"'(,])(?i:{names})=)[^&\s\"'<>]*"), r"\1{r}"),
    ]


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # noqa: SIM110  (a loop, not any(): it runs for every reply kept)
        if needle in text:
            return True
    return False


_SEPARATORS = frozenset("?&; \t\r\n\"'(,")


def _field_forms(lowered: str, names: tuple[str, ...]) -> tuple[bool, bool, bool]:
    """Whether a secret field appears as JSON key, XML element or ``name=`` after a separator."""
    json = xml = form = False
    for name in names:
        json = json or f'"{name}"' in lowered
        xml = xml or f"<{name}>" in lowered or f"<{name} " in lowered
        if not form:
            at = lowered.find(f"{name}=")
            while at != -1 and not form:
                form = at == 0 or lowered[at - 1] in _SEPARATORS
                at = lowered.find(f"{name}=", at + 1)
    return json, xml, form


class Redactor:
    """Replaces an account's secrets, in every encoding, and its secret fields' values.

    Thread-safe; ``add`` may be called while other threads redact (a token learnt at run
    time).  Calling the same text twice in a row costs one identity check (a reply stored
    on several results is redacted once).
    """

    def __init__(
        self, secrets: Iterable[str | None] = (), *, fields: Iterable[str] = (), replacement: str = REDACTED
    ) -> None:
        self.replacement = replacement
        self._lock = threading.Lock()
        self._secrets: list[str] = []
        self._fields: set[str] = set()
        self._plan: _Plan | None = None
        self._memo: tuple[str, str] | None = None
        for secret in secrets:
            self.add(secret)
        self.add_fields(fields)

    def add(self, secret: str | None) -> None:
        """Hide ``secret`` from now on (ignored below ``MIN_SECRET_LENGTH``: see the module doc)."""
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if secret not in self._secrets:
                self._secrets.append(secret)
                self._plan, self._memo = None, None

    def add_fields(self, names: Iterable[str]) -> None:
        """Hide the values of these wire fields (query, form, JSON and XML keys)."""
        with self._lock:
            new = {n for n in names if n} - self._fields
            if new:
                self._fields |= new
                self._plan, self._memo = None, None

    def _current_plan(self) -> _Plan:
        plan = self._plan
        if plan is None:
            with self._lock:
                plan = _plan(frozenset(self._fields), tuple(self._secrets), self.replacement)
                self._plan = plan
        return plan

    def __call__(self, text: str) -> str:
        if not text:
            return text
        memo = self._memo
        if memo is not None and memo[0] is text:
            return memo[1]
        plan = self._current_plan()
        out = text
        if plan.names:
            steps = (plan.json, plan.xml, plan.form)
            for present, step in zip(_field_forms(text.lower(), plan.names), steps, strict=True):
                if present and step is not None:
                    out = step[0].sub(step[1], out)
        if plan.secrets is not None and (plan.anchors is None or _contains_any(text, plan.anchors)):
            out = plan.secrets.sub(plan.replacement, out)
        self._memo = (text, out)
        return out

    def __bool__(self) -> bool:
        return bool(self._secrets or self._fields)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets, {len(self._fields)} fields)"


# ---------------------------------------------------------------------------- log records


class _LogRedaction(logging.Filter):
    """Redacts every live account's secrets from the records of the loggers it is attached to.

    urllib3 logs each request line (query string included) at DEBUG, and a plugin may log
    what it sends: a host application that turns on debug logging would otherwise see
    credentials.  A logger filter applies to records logged on that very logger, so the
    filter is attached to every ``smsbridge*``, ``urllib3*`` and ``requests*`` logger.
    """

    PREFIXES = ("smsbridge", "urllib3", "requests")

    def __init__(self) -> None:
        super().__init__()
        self.redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()
        self._seen_loggers = -1
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(self.redactors)
        if not redactors:
            return True
        message = record.getMessage()
        redacted = message
        for redactor in redactors:
            redacted = redactor(redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = text
            for redactor in redactors:
                cleaned = redactor(cleaned)
            if cleaned != text:
                record.exc_text, record.exc_info = cleaned, None
        return True

    def attach(self) -> None:
        """Attach to every logger of ours that exists now (cheap when none was added)."""
        manager = logging.Logger.manager
        count = len(manager.loggerDict)
        if count == self._seen_loggers:
            return
        with self._lock:
            for name in [*manager.loggerDict, *self.PREFIXES]:
                if name.startswith(self.PREFIXES):
                    logger = logging.getLogger(name)
                    if self not in logger.filters:
                        logger.addFilter(self)
            self._seen_loggers = len(manager.loggerDict)


_log_redaction = _LogRedaction()


def install_log_redaction(redactor: Redactor) -> None:
    """Redact ``redactor``'s secrets from the records of smsbridge's, plugins' and urllib3's loggers."""
    _log_redaction.redactors.add(redactor)
    _log_redaction.attach()


def refresh_log_redaction() -> None:
    """Attach the filter to loggers created since (a plugin module imported late)."""
    if _log_redaction.redactors:
        _log_redaction.attach()
