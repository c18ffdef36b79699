"""Message ids of playSMS sends: what a receipt's ``message_id`` holds and what ``ds`` can ask with it.

=====================  ====================================================================
id                     meaning
=====================  ====================================================================
``30:<queue>``         one destination: its ``smslog_id`` and its request's queue code.
                       ``ds`` with both answers the row, or ERR 401 while the message is
                       still queued (scheduled), which the ``smslog_id`` alone cannot tell
                       from an unknown id (ERR 400).
``<queue>``            32 or 64 hex characters: every destination of one request (a
                       ``#group``), read page by page.
``30``                 a bare ``smslog_id`` (the document's form, older receipts).
``@user:<queue>``      an ``@user`` target: playSMS writes it into that user's inbox while
                       answering the send, and keeps no delivery report for it.
=====================  ====================================================================

Ids are parsed strictly (ASCII digits, at most 20; hex of the two queue lengths): anything
else is refused before a request, never turned into a number.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["MessageRef", "is_smslog_id"]

_QUEUE = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{64})$")
_USER = re.compile(r"^@[A-Za-z0-9._-]{1,100}$")
_MAX_ID_DIGITS = 20


def is_smslog_id(text: str) -> bool:
    """ASCII digits, 1-20 of them (``"²".isdigit()`` is true; int() of 5,000 digits raises)."""
    return 0 < len(text) <= _MAX_ID_DIGITS and text.isascii() and text.isdigit()


@attrs.frozen
class MessageRef:
    """A parsed message id (see the module doc); ``str()`` gives it back."""

    smslog_id: str | None = None
    queue: str | None = None
    user: str | None = None  # "@name" for an @user target

    @classmethod
    def parse(cls, text: str) -> MessageRef | None:
        """The id ``text`` names, or ``None`` when it is none of the documented forms."""
        head, sep, tail = text.strip().partition(":")
        if not sep:
            if is_smslog_id(head):
                return cls(smslog_id=head)
            return cls(queue=head.lower()) if _QUEUE.match(head) else None
        if not _QUEUE.match(tail):
            return None
        if is_smslog_id(head):
            return cls(smslog_id=head, queue=tail.lower())
        return cls(user=head, queue=tail.lower()) if _USER.match(head) else None

    @classmethod
    def of_item(cls, smslog_id: str | None, queue: str | None, to: str | None) -> MessageRef | None:
        """The id of one accepted ``pv`` item (``None`` when it has neither id nor queue)."""
        queue = queue.lower() if queue and _QUEUE.match(queue) else None
        if to and _USER.match(to) and queue:
            return cls(user=to, queue=queue)
        if smslog_id and is_smslog_id(smslog_id):
            return cls(smslog_id=smslog_id, queue=queue)
        return cls(queue=queue) if queue else None

    def __str__(self) -> str:
        head = self.user or self.smslog_id
        if head and self.queue:
            return f"{head}:{self.queue}"
        return head or self.queue or ""
