"""``console://``: prints what would be sent, sends nothing.  For trying smsbridge out.

Options: ``stream=stdout|stderr``.  Every recipient is accepted with a ``console-N`` id.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import attrs

from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    Balance,
    Capabilities,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    SenderRule,
    SendResult,
)
from smsbridge.text import analyze

_ids = itertools.count(1)


@attrs.define(kw_only=True)
class ConsoleConfig:
    stream: str = attrs.field(default="stdout", validator=attrs.validators.in_(("stdout", "stderr")))


SPEC = ProviderSpec(
    id="console",
    config_class=ConsoleConfig,
    default_host="localhost",
    description="Prints messages instead of sending them (no account needed).",
    capabilities=Capabilities(
        max_recipients=1000,
        max_text_length=None,
        sender=SenderRule(min_length=1, max_length=11, numeric_allowed=True),
        bulk_send=True,
        balance=True,
        scheduling=True,
        flash=True,
        targets=True,
        templating=True,  # renders each recipient's text itself (Message.text_for)
    ),
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [SPEC]


def _out(ctx: Any) -> Any:
    return sys.stderr if ctx.config.stream == "stderr" else sys.stdout


@hookimpl
def smsbridge_bulk_send(ctx: Any, message: Message) -> SendResult | None:
    out = _out(ctx)
    receipts = []
    for recipient in message.recipients:
        text = message.text_for(recipient)
        info = analyze(text, encoding=message.encoding)
        message_id = f"console-{next(_ids)}"
        extras = []
        if message.schedule:
            extras.append(f"at {message.schedule.isoformat()}")
        if message.flash:
            extras.append("flash")
        header = (
            f"SMS {message_id} to {recipient.number} from {message.sender or '(default sender)'}"
            f" [{info.encoding}, {info.segments} segment{'s' if info.segments != 1 else ''}]"
            + (f" ({', '.join(extras)})" if extras else "")
        )
        print(header, file=out)
        for line in text.splitlines() or [""]:
            print(f"  | {line}", file=out)
        out.flush()
        receipts.append(Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=message_id, provider="console"))
    return SendResult(provider="console", receipts=tuple(receipts), scheduled=message.schedule is not None)


@hookimpl
def smsbridge_balance(ctx: Any) -> Balance | None:
    from decimal import Decimal

    return Balance(amount=Decimal("0"), unit="messages (console sends nothing)", provider="console")
