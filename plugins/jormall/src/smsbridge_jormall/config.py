"""Account options of a JorMall account URL.

``jormall://ACCNAME:ACCPASS@default?sender=Shop&auth=token&gateway=otp&api=asmx``

* ``auth``: ``token`` (default; the routes of the current document, a token from
  GenerateToken sent as ``Authorization: Bearer``) or ``password`` (the older routes that take
  ``AccName``/``AccPass`` on every request).
* ``gateway``: ``otp`` (default; the document's main SendSMS endpoint, SingleSMS3) or
  ``general`` (SingleSMS_General3) for single sends and the per-recipient ``msgs`` form.
* ``api``: ``asmx`` (POST to ``SMSService.asmx/SendSMS``, the route observed with tokens) or
  ``rest`` (GET ``Rest...``); default ``asmx`` with tokens, ``rest`` with passwords (the older
  password routes exist in REST form only).
"""

from __future__ import annotations

import attrs

from smsbridge.plugin import credential

__all__ = ["API_KINDS", "AUTH_MODES", "GATEWAYS", "JorMallConfig"]

AUTH_MODES = ("token", "password")
GATEWAYS = ("otp", "general")
API_KINDS = ("asmx", "rest")


@attrs.define(kw_only=True)
class JorMallConfig:
    """Credentials and options of one JorMall account.

    The account name is not treated as a secret value (a short name would otherwise be
    blanked out of every reply before it is parsed); it is still filtered from cassettes.
    """

    accname: str = credential("user", secret=False)
    accpass: str = credential("password")
    auth: str = attrs.field(default="token", validator=attrs.validators.in_(AUTH_MODES))
    gateway: str = attrs.field(default="otp", validator=attrs.validators.in_(GATEWAYS))
    api: str | None = attrs.field(default=None, validator=attrs.validators.optional(attrs.validators.in_(API_KINDS)))

    def __attrs_post_init__(self) -> None:
        if self.auth == "password" and self.api == "asmx":
            raise ValueError(
                "api=asmx needs auth=token: the older password routes exist in REST form only (use api=rest)"
            )

    @property
    def uses_token(self) -> bool:
        return self.auth == "token"

    @property
    def api_kind(self) -> str:
        """The single-send form in use: the explicit ``api`` or the default for ``auth``."""
        if self.api is not None:
            return self.api
        return "asmx" if self.uses_token else "rest"
