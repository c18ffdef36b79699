"""Requests to ``index.php?app=ws`` and THE mapping from a reply to data or a typed error.

Every operation goes through :func:`call`: ``POST <base>?app=ws&op=<op>`` with ``u``, ``h`` and
the operation's fields as a form body.  playSMS reads GET and POST alike; the form body keeps
the token and the text out of web-server access logs and URL-length limits.

:func:`read_reply` is the one place that decides what a reply is: HTTP 500 with an empty
body, an empty body (unknown op), a ``FATAL ERROR`` page, HTML, truncated JSON or XML are
``UnreadableReplyError`` (outcome unknown, with a hint that fits the operation: only a send
needs a delivery-status check); ``"status":"ERR"`` becomes the typed error of its code, with
the server's ``info`` text; on ``pv`` an undocumented code or an ERR without one leaves the
outcome unknown.  The listing operations' "no data" codes come back as an empty reply, not
an error.  JSON and XML (``format=xml``) are read into the same plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs

from smsbridge.plugin import (
    REDACTED,
    Answer,
    AuthenticationError,
    ConfigurationError,
    ProviderContext,
    RawReply,
    UnreadableReplyError,
    json_body,
    looks_like_html,
    refusal_error,
    text_of,
    xml_root,
)
from smsbridge.plugin import unreadable as _unreadable
from smsbridge_junubsms import codes
from smsbridge_junubsms.config import PlaySMSConfig

__all__ = [
    "PLACEHOLDER_HOST",
    "TOKEN_KEY",
    "Ctx",
    "call",
    "endpoint",
    "error_code",
    "read_reply",
    "redacted",
    "secret_of",
    "unreadable",
]

Ctx = ProviderContext[PlaySMSConfig]

#: the ``playsms`` spec's default host: a reserved name that is refused, since every
#: playSMS server is somebody's own host
PLACEHOLDER_HOST = "playsms.invalid"
#: ``ctx.cache`` key of the token learnt from ``get_token`` or ``set_token``
TOKEN_KEY = "playsms_token"


def unreadable(ctx: Ctx, reply: RawReply, op: str, why: str) -> UnreadableReplyError:
    """``UnreadableReplyError`` for ``reply`` to ``op``, with the hint that fits the operation."""
    return _hinted(_unreadable(reply, ctx.provider, why), op)


def _hinted(error: UnreadableReplyError, op: str) -> UnreadableReplyError:
    error.hint = codes.unreadable_hint(op)
    return error


# ---------------------------------------------------------------------------- values


def error_code(value: Any) -> str | None:
    """``"100"``, ``100`` or ``"ERR 100"`` -> ``"100"``; ``None`` when there is no code."""
    text = text_of(value)
    if not text:
        return None
    text = re.sub(r"^ERR\s*", "", text, flags=re.I)
    return text if text.isdigit() and len(text) <= 6 else None


def secret_of(value: Any) -> str | None:
    """A token or login key from a reply: 8+ visible characters (playSMS makes 32 hex), else None.

    Anything shorter is no credential, and registering it as a secret would redact every
    occurrence of, say, ``"1"`` from later replies.
    """
    text = text_of(value)
    if not text or len(text) < 8 or len(text) > 512 or any(c.isspace() or not c.isprintable() for c in text):
        return None
    return text


def redacted(ctx: Ctx, reply: RawReply) -> RawReply:
    """``reply`` with secrets learnt from it (a new token, a login key) redacted too."""
    return attrs.evolve(reply, body=ctx.redact(reply.body), url=ctx.redact(reply.url))


# ---------------------------------------------------------------------------- reading


def _fatal(text: str) -> str | None:
    """The first line of a PHP ``FATAL ERROR`` page, without tags."""
    head = text[:2000]
    if "FATAL ERROR" not in head.upper():
        return None
    plain = re.sub(r"<[^>]*>", " ", head)
    line = next((ln.strip() for ln in plain.splitlines() if "FATAL ERROR" in ln.upper()), "FATAL ERROR")
    return re.sub(r"\s+", " ", line)[:200]


def read_reply(ctx: Ctx, reply: RawReply, op: str, *, no_data_ok: bool = False) -> Answer:
    """Map one reply to its data, or raise the typed error it means (see the module doc)."""
    provider = ctx.provider
    text = reply.body.strip().lstrip("\ufeff").strip()
    if reply.status >= 500 and not text:
        why = f"HTTP {reply.status} with an empty body to op={op}"
        if op == "pv":
            why += (
                " (playSMS answers this for a lack of credit or a destination that resolves to nothing, "
                "such as an unknown @user, but also for other server failures)"
            )
        raise unreadable(ctx, reply, op, why)
    fatal = _fatal(text)
    if fatal is not None:
        error = unreadable(ctx, reply, op, f"the server failed ({fatal})")
        error.text = fatal
        raise error
    if reply.status == 200 and not text:
        raise unreadable(
            ctx, reply, op, f"an empty body to op={op} (playSMS answers this to an operation it does not know)"
        )
    try:
        if text.startswith("<") and not looks_like_html(reply):
            data = xml_root(reply, provider, item="item", force_list=("item",))  # <item> runs as JSON lists
        else:
            data = json_body(reply, provider)
    except UnreadableReplyError as exc:
        raise _hinted(exc, op) from None
    code = error_code(data.get("error"))
    status = text_of(data.get("status"))
    if (status or "").upper() == "ERR" or code not in (None, "0"):
        if no_data_ok and code in codes.NO_DATA_CODES:
            return Answer(data, reply, code=code)  # nothing to list: the code says why
        raise _error(ctx, reply, op, code, data)
    return Answer(data, reply)


def _error(ctx: Ctx, reply: RawReply, op: str, code: str | None, data: dict[str, Any]) -> Exception:
    wording = text_of(data.get("error_string")) or codes.error_text(code)
    info = text_of(data.get("info"))  # accountadd/remove/pref/conf say why: "Account already exists (...)"
    said = f"{wording}: {info}" if info and info.lower() != wording.lower() else wording
    if op == "pv" and code not in codes.PV_REFUSALS:
        error = unreadable(
            ctx,
            reply,
            op,
            f"op=pv answered ERR {code or 'without a code'} ({said}), which the documentation does not list "
            "as a refusal: the message may have been taken",
        )
        error.code, error.text = code, said
        return error
    message = f"op={op} refused: ERR {code or '?'} {said}"
    return refusal_error(codes.refusal(code, op), reply, code=code, text=said, message=message, provider=ctx.provider)


# ---------------------------------------------------------------------------- requests


def endpoint(ctx: Ctx) -> str:
    """``https://host[:port]/path/index.php``; refuses ``playsms`` without a host."""
    if ctx.settings.host is None and ctx.spec.default_host == PLACEHOLDER_HOST:
        raise ConfigurationError(
            f"{ctx.provider} needs the playSMS server's host in the URL",
            hint="e.g. playsms://USER:TOKEN@sms.example.org/playsms/index.php (for plain http in a LAN "
            "add ?plain_http=yes); for JunubSMS use junubsms://USER:TOKEN@default",
        )
    base = ctx.url()
    return base if base.rsplit("/", 1)[-1].lower().endswith(".php") else ctx.url("index.php")


def _post(
    ctx: Ctx,
    op: str,
    fields: Iterable[tuple[str, str]],
    *,
    preparatory: bool = False,
    fmt: str | None = None,
) -> RawReply:
    url = endpoint(ctx)
    body = list(fields)
    if (fmt or ctx.config.format) == "xml":
        body.append(("format", "xml"))
    params = [("app", "ws"), ("op", op)]
    if preparatory:  # a lost answer here leaves the message certainly unsent
        return ctx.http.request("POST", url, params=params, data=body, preparatory=True)
    return ctx.http.request("POST", url, params=params, data=body)


def _fetch_token(ctx: Ctx) -> str | None:
    """``op=get_token`` with ``u`` + ``p``: the one call that tells ERR 104/105/106 apart.

    ``None`` when the server gave back a token already known (the transport redacts known
    secrets from replies before they are read): the token did not change.
    """
    reply = _post(ctx, "get_token", [("u", ctx.config.username), ("p", ctx.config.token)], preparatory=True)
    answer = read_reply(ctx, reply, "get_token")
    ok = (text_of(answer.data.get("status")) or "").upper() == "OK"
    if ok and text_of(answer.data.get("token")) == REDACTED:
        return None
    token = secret_of(answer.data.get("token"))
    if token:
        ctx.add_secret(token)
    if not token or not ok:
        raise unreadable(ctx, redacted(ctx, reply), "get_token", "op=get_token answered no token")
    return token


def token(ctx: Ctx, *, refresh: bool = False) -> str | None:
    """The webservices token: learnt (get_token, set_token) or the URL's.

    ``refresh`` forgets a learnt token and asks again; ``None`` then means "unchanged".
    """
    with ctx.lock:
        cached = ctx.cache.get(TOKEN_KEY)
        if refresh:
            ctx.cache.pop(TOKEN_KEY, None)
        elif isinstance(cached, str) and cached:
            return cached
        if ctx.config.auth == "token":
            return str(ctx.config.token)
        learnt = _fetch_token(ctx)
        if learnt is None:
            if refresh and isinstance(cached, str):
                ctx.cache[TOKEN_KEY] = cached
                return None
            raise UnreadableReplyError("unreadable reply: op=get_token answered a token that is a known secret")
        ctx.cache[TOKEN_KEY] = learnt
        return learnt


def remember_token(ctx: Ctx, new: str) -> None:
    """Use ``new`` from now on (after ``set_token`` the old token no longer works)."""
    ctx.add_secret(new)
    with ctx.lock:
        ctx.cache[TOKEN_KEY] = new


def call(
    ctx: Ctx,
    op: str,
    fields: Iterable[tuple[str, str]] = (),
    *,
    no_data_ok: bool = False,
    preparatory: bool = False,
    fmt: str | None = None,
) -> Answer:
    """Run ``op`` and read its reply.

    With ``auth=password`` an ERR 100 drops the cached token and tries once more with a fresh
    one (someone may have changed it with ``set_token``); ERR 100 means nothing was done, so
    this is safe even for ``pv``.  ``preparatory``: a check before a send, whose lost answer
    leaves the message certainly unsent.  ``fmt`` overrides the account's ``format``.
    """
    fields = list(fields)
    current = token(ctx) or ""
    refreshed = False
    while True:
        reply = _post(ctx, op, [("u", ctx.config.username), ("h", current), *fields], preparatory=preparatory, fmt=fmt)
        try:
            return read_reply(ctx, reply, op, no_data_ok=no_data_ok)
        except AuthenticationError as exc:
            if refreshed or ctx.config.auth != "password" or exc.code != "100":
                raise
            refreshed = True
            fresh = token(ctx, refresh=True)
            if fresh is None or fresh == current:
                raise
            current = fresh
