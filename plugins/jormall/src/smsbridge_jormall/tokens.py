"""JorMall bearer tokens: fetched when first needed, cached per account, renewed once.

GenerateToken (``/sms/api/GenerateToken.cfm?accname=&accpass=``) answers several lines, one of
them ``Bearer <token>`` (REFERENCE.md, JorMall, obs).  The token is a secret: it is handed to
``ctx.add_secret`` the moment it is read, so no log line, error or raw reply shows it.
Token lifetime is UNKNOWN, so a token is kept until JorMall refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from smsbridge.errors import AuthenticationError
from smsbridge.models import RawReply
from smsbridge_jormall import routes
from smsbridge_jormall.wire import interpret

__all__ = ["CACHE_KEY", "authorised", "fetch", "headers"]

CACHE_KEY = "jormall.token"


def fetch(ctx: Any, path: str = routes.GENERATE_TOKEN) -> tuple[str, RawReply]:
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
    with ctx.lock:
        ctx.cache[CACHE_KEY] = token
    return token, attrs.evolve(reply, body=ctx.redact(reply.body))


def _current(ctx: Any) -> tuple[str, bool]:
    """The cached token, or a new one; the flag says whether it was fetched just now."""
    with ctx.lock:
        token = ctx.cache.get(CACHE_KEY)
        if isinstance(token, str) and token:
            return token, False
        return fetch(ctx)[0], True


def _renewed(ctx: Any, rejected: str) -> str:
    with ctx.lock:
        token = ctx.cache.get(CACHE_KEY)
        if isinstance(token, str) and token and token != rejected:
            return token  # another thread renewed it meanwhile
        ctx.cache.pop(CACHE_KEY, None)
        return fetch(ctx)[0]


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authorised(ctx: Any, call: Callable[[str], RawReply], read: Callable[[RawReply], str]) -> tuple[str, RawReply]:
    """Run ``call(token)`` and ``read`` its reply; on a refused cached token renew it once.

    A refusal ("Invalid user name or password", HTTP 401/403) means nothing was sent, so the
    same request (same ``id``) is repeated once with a fresh token.  A token fetched for this
    very call that is refused is an ``AuthenticationError`` at once.
    """
    token, fresh = _current(ctx)
    reply = call(token)
    try:
        return read(reply), reply
    except AuthenticationError:
        if fresh:
            raise
    token = _renewed(ctx, token)
    reply = call(token)
    return read(reply), reply
