"""The account's configuration: ``allmysms://LOGIN:APIKEY@default?option=value``.

The login is the account's name (AllMySMS calls it ``login``, older pages ``clientcode``): it is
not secret.  The API key is, and never shows in reprs, errors or cassettes.
"""

from __future__ import annotations

import attrs

from smsbridge.plugin import ProviderContext, credential

__all__ = ["DEFAULT_BATCH_SIZE", "FLOWS", "AllMySmsConfig", "Ctx"]

FLOWS = ("json", "xml")

# AllMySMS documents no limit on the number of SMS entries in one flow.  1000 keeps a request
# body of plain recipients around 40 KB (and a few hundred KB with per-recipient fields), far
# below usual POST limits, while sending a large list in few requests.  Adjust with batch_size.
DEFAULT_BATCH_SIZE = 1000


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be 1 or more, got {value}")


@attrs.define(kw_only=True)
class AllMySmsConfig:
    """Credentials and account options.

    ``flow``: how ``smsData`` is written (``json``, the default, or ``xml``).
    ``campaign``: a default CAMPAIGN_NAME for every send (a message option overrides it).
    ``mail_notif``: MAIL_NOTIF, ask AllMySMS to e-mail a notification for each send.
    ``masteraccount``: MASTERACCOUNT, send on behalf of a master account.
    ``batch_size``: recipients per ``sendSms`` request (the flow size).
    """

    login: str = credential("user", secret=False)
    api_key: str = credential("password")
    flow: str = attrs.field(default="json", validator=attrs.validators.in_(FLOWS))
    campaign: str | None = None
    mail_notif: bool | None = None
    masteraccount: str | None = None
    batch_size: int = attrs.field(default=DEFAULT_BATCH_SIZE, validator=_positive)


#: what the hooks receive: an account of this provider
Ctx = ProviderContext[AllMySmsConfig]
