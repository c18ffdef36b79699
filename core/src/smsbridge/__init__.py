"""smsbridge: send SMS through many providers with one API.

>>> import smsbridge
>>> account = smsbridge.connect("console://")
>>> account.send("+41791234567", "Hello").ok
True

Importing this package is cheap: plugins, ``requests`` and ``phonenumbers`` load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smsbridge.errors import *  # noqa: F403  (the error tree is part of the public API)
from smsbridge.errors import __all__ as _errors_all
from smsbridge.hookspecs import hookimpl

__version__ = "0.1.0"

if TYPE_CHECKING:  # the lazy names, for type checkers and IDEs
    from smsbridge.account import Account as Account
    from smsbridge.client import AccountLike as AccountLike
    from smsbridge.client import connect as connect
    from smsbridge.ledger import open_ledger as open_ledger
    from smsbridge.models import (
        Balance as Balance,
    )
    from smsbridge.models import (
        BulkSummary as BulkSummary,
    )
    from smsbridge.models import (
        CallbackRequest as CallbackRequest,
    )
    from smsbridge.models import (
        DeliveryReport as DeliveryReport,
    )
    from smsbridge.models import (
        DeliveryStatus as DeliveryStatus,
    )
    from smsbridge.models import (
        Estimate as Estimate,
    )
    from smsbridge.models import (
        InboundMessage as InboundMessage,
    )
    from smsbridge.models import (
        Message as Message,
    )
    from smsbridge.models import (
        Receipt as Receipt,
    )
    from smsbridge.models import (
        ReceiptStatus as ReceiptStatus,
    )
    from smsbridge.models import (
        Recipient as Recipient,
    )
    from smsbridge.models import (
        SendResult as SendResult,
    )
    from smsbridge.resilience import FailoverAccount as FailoverAccount

_LAZY = {
    "connect": "smsbridge.client",
    "AccountLike": "smsbridge.client",
    "Account": "smsbridge.account",
    "FailoverAccount": "smsbridge.resilience",
    "to_dict": "smsbridge.json_output",
    "analyze": "smsbridge.text",
    "open_ledger": "smsbridge.ledger",
    **dict.fromkeys(
        (
            "Balance",
            "BulkSummary",
            "CallbackRequest",
            "DeliveryReport",
            "DeliveryStatus",
            "Estimate",
            "InboundMessage",
            "Message",
            "Receipt",
            "ReceiptStatus",
            "Recipient",
            "SendResult",
        ),
        "smsbridge.models",
    ),
}

__all__ = ["__version__", "hookimpl", *_errors_all, *_LAZY]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'smsbridge' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
