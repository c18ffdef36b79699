"""The receiver: delivery reports and received messages pushed by providers, into the ledger.

A framework-free WSGI and ASGI application a host app mounts (Flask, Django, FastAPI,
Starlette, any server) or ``smsbridge serve`` runs.  Routes, one pair per account::

    /<account>/status/<token>     delivery reports
    /<account>/inbound/<token>    received messages

>>> import smsbridge
>>> from smsbridge.receiver import Receiver, ReceiverAccount, new_token
>>> receiver = Receiver(  # doctest: +SKIP
...     {"shop": ReceiverAccount(smsbridge.connect(url), token=os.environ["SHOP_SMS_TOKEN"])},
...     ledger="postgresql://smsbridge@db/smsbridge",
...     on_report=lambda event: print(event.report.status),
... )
>>> application = receiver.wsgi  # or receiver.asgi  # doctest: +SKIP

Each provider's plugin parses its own callbacks, checks its own signature where it signs
them, and says what it expects as an answer (``smsbridge_callback_spec``).  Reports are
joined to the send's ledger row by (provider, message id); a final status never regresses,
duplicates are ignored, a report that comes before its send is recorded is kept 24 h and
joined then.  See docs/receiving.md.
"""

from __future__ import annotations

from smsbridge.receiver.auth import new_token, token_problem
from smsbridge.receiver.config import ReceiverAccount, ReceiverSettings
from smsbridge.receiver.core import Receiver

__all__ = ["Receiver", "ReceiverAccount", "ReceiverSettings", "new_token", "token_problem"]
