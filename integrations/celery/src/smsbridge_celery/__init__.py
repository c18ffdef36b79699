"""smsbridge on Celery workers: bulk jobs and transactional sends across machines, never twice.

The send ledger (a shared PostgreSQL one) decides what may be sent, not the queue:

>>> from celery import Celery
>>> import smsbridge_celery
>>> app = Celery("shop", broker="redis://127.0.0.1:6379/0")
>>> fleet = smsbridge_celery.register(app, ledger="postgresql://smsbridge@db/smsbridge")  # doctest: +SKIP
>>> fleet.submit("spring-sale", "shop", rows, "Hi {name}!")  # doctest: +SKIP
Submission(job='spring-sale', ..., tasks=84, ...)
>>> fleet.send("shop", "+41791234567", "Your code is 4242", key="otp-8812")  # doctest: +SKIP

``submit`` writes the recipients into the ledger and queues one task per request-sized chunk
(the provider's per-request limit): N recipients are ⌈N/limit⌉ broker messages.  A task claims
its chunk in the ledger before the request and records the outcome after; a redelivered task
whose chunk was claimed by a worker that died does not send it again (its recipients become
``unknown``), except through a de-duplicating provider with the stored client id.  Tasks carry
the job id and an account **name**; each worker resolves the name itself (config file,
``SMSBRIDGE_ACCOUNT_<NAME>``, or your callback), so credentials never travel through the broker.
An account's ``rate=`` holds for the whole fleet (Redis or the ledger's PostgreSQL).
See docs/scaling.md.
"""

from __future__ import annotations

from smsbridge_celery.accounts import AccountBook, env_name
from smsbridge_celery.chunks import FLEET_OWNER, ChunkReport, ChunkWorker
from smsbridge_celery.submit import Submission
from smsbridge_celery.tasks import CHUNK_TASK, SEND_TASK, TASK_OPTIONS, Fleet, register

__all__ = [
    "CHUNK_TASK",
    "FLEET_OWNER",
    "SEND_TASK",
    "TASK_OPTIONS",
    "AccountBook",
    "ChunkReport",
    "ChunkWorker",
    "Fleet",
    "Submission",
    "env_name",
    "register",
]
