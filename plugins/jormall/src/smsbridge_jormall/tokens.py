"""JorMall bearer tokens: fetched when first needed, cached per account, renewed once.

GenerateToken (``/sms/api/GenerateToken.cfm?accname=&accpass=``) answers several lines, one of
them ``Bearer <token>`` (REFERENCE.md, JorMall, obs).  The token is a secret: it is handed to
``ctx.add_secret`` the moment it is read, so no log line, error or raw reply shows it.
Token lifetime is UNKNOWN, so a token is kept until JorMall refuses it.

Only a token that can travel in an ``Authorization`` header is kept: anything else would fail
every later send of the account.  Fetching a token sends no SMS, so when a send's token
request fails in any way the message was certainly not sent.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from smsbridge.plugin import Answer, AuthenticationError, Outcome, ProviderContext, RawReply, UnreadableReplyError
from smsbridge_jormall import routes
from smsbridge_jormall.config import JorMallConfig
from smsbridge_jormall.wire import interpret

__all__ = [
    "CACHE_KEY",
    "MAX_TOKEN_LENGTH",
    "TokenReplyUnreadableError",
    "authorised",
    "fetch",
    "headers",
    "token_problem",
]

Ctx = ProviderContext[JorMallConfig]

CACHE_KEY = "jormall.token"
MAX_TOKEN_LENGTH = 4096


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be sent as ``Authorization: Bearer <token>``, or ``None``.

    Printable ASCII without spaces: what any bearer token is made of (RFC 6750 allows less),
    and what every HTTP stack can put in a header.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return f"{len(token)} characters, over {MAX_TOKEN_LENGTH}"
    bad = next((c for c in token if not "\x21" <= c <= "\x7e"), None)
    if bad is not None:
        return f"it holds U+{ord(bad):04X}, which an HTTP header cannot carry"
    return None


def fetch(ctx: Ctx, path: str = routes.GENERATE_TOKEN) -> tuple[str, RawReply]:
    """Ask GenerateToken (or GetToken) for a token; cache it and return it with the redacted reply."""
    # preparatory: a token request sends no SMS, so a lost answer leaves the message unsent
    reply = ctx.http.request(
        "GET",
        ctx.url(path),
        params=[("accname", ctx.config.accname), ("accpass", ctx.config.accpass)],
        preparatory=True,
    )
    token = interpret(reply, provider=ctx.provider, expect="token")
    ctx.add_secret(token)
    shown = attrs.evolve(reply, body=ctx.redact(reply.body))
    problem = token_problem(token)
    if problem is not None:
        raise AuthenticationError(
            f"JorMall answered a token that cannot be used ({problem}); it was not kept",
            http_status=reply.status,
            code="unusable_token",
            raw=shown,
            hint="no message was sent; try again later, and ask JorMall if the token stays unusable",
        )
    with ctx.lock:
        ctx.cache[CACHE_KEY] = token
    return token, shown


class TokenReplyUnreadableError(UnreadableReplyError):
    """The token reply of a send could not be read: unreadable, but nothing was sent.

    The token request is preparatory (it carries no SMS), so unlike other unreadable replies
    its outcome is certain: ``NOT_SENT``, safe to retry or fail over.
    """

    outcome = Outcome.NOT_SENT
    default_hint = "the token request failed before any message left: it is safe to retry"


def _fetch_for_send(ctx: Ctx) -> str:
    """A new token for a send: a reply we cannot read means "not sent", not "unknown"."""
    try:
        return fetch(ctx)[0]
    except UnreadableReplyError as exc:
        raise TokenReplyUnreadableError(
            f"{exc.message} (asking for a token; no message was sent)",
            http_status=exc.http_status,
            code=exc.code,
            text=exc.text,
            raw=exc.raw,
        ) from None


def _current(ctx: Ctx) -> tuple[str, bool]:
    """The cached token, or a new one; the flag says whether it was fetched just now."""
    with ctx.lock:
        token = ctx.cache.get(CACHE_KEY)
        if isinstance(token, str) and token:
            return token, False
        return _fetch_for_send(ctx), True


def _renewed(ctx: Ctx, rejected: str) -> str:
    with ctx.lock:
        token = ctx.cache.get(CACHE_KEY)
        if isinstance(token, str) and token and token != rejected:
            return token  # another thread renewed it meanwhile
        ctx.cache.pop(CACHE_KEY, None)
        return _fetch_for_send(ctx)


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authorised(ctx: Ctx, call: Callable[[str], RawReply], read: Callable[[RawReply], str]) -> Answer:
    """Run ``call(token)`` and ``read`` its reply; on a refused cached token renew it once.

    A refusal ("Invalid user name or password", HTTP 401/403) means nothing was sent, so the
    same request (same ``id``) is repeated once with a fresh token.  A token fetched for this
    very call that is refused is an ``AuthenticationError`` at once.
    """
    token, fresh = _current(ctx)
    reply = call(token)
    try:
        return Answer(read(reply), reply)
    except AuthenticationError:
        if fresh:
            raise
    token = _renewed(ctx, token)
    reply = call(token)
    return Answer(read(reply), reply)
