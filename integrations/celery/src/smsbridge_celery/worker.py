"""A ready-made Celery app for smsbridge's tasks, configured from the environment.

``celery -A smsbridge_celery.worker worker -Q smsbridge`` runs workers for it, and
``smsbridge bulk ... --via celery`` submits to it.  A host application with its own Celery app
calls ``smsbridge_celery.register(app, ...)`` instead and needs nothing here.

| variable | meaning (default) |
|---|---|
| ``SMSBRIDGE_CELERY_BROKER`` | the broker URL (``amqp://guest:guest@127.0.0.1:5672//``) |
| ``SMSBRIDGE_CELERY_QUEUE`` | the queue of smsbridge's tasks (``smsbridge``) |
| ``SMSBRIDGE_LEDGER`` | the shared ledger (``postgresql://...``), on every host |
| ``SMSBRIDGE_CELERY_RATE_STORE`` | ``redis://...`` or ``ledger`` (the broker if Redis, else the ledger) |
| ``SMSBRIDGE_CELERY_FLEET_TTL`` | seconds without progress before a local run may take a job over (600) |
| ``SMSBRIDGE_CELERY_PREFIX`` | a prefix for every Redis key (broker and rate limit): several fleets on one Redis |
| ``SMSBRIDGE_CELERY_VISIBILITY_TIMEOUT`` | Redis broker: seconds before an unacked task is delivered again (3600) |

Accounts are found by name on each worker: ``SMSBRIDGE_ACCOUNT_<NAME>`` or the config file
(``smsbridge_celery.accounts``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from celery import Celery

from smsbridge_celery.tasks import Fleet, register

__all__ = ["app", "fleet"]


def make_app(environ: Mapping[str, str] = os.environ) -> tuple[Celery, Fleet]:
    """A Celery app with smsbridge's tasks, and its ``Fleet``, from ``environ``'s settings."""

    def _env(name: str, default: str = "") -> str:
        return environ.get(name, "").strip() or default

    broker = _env("SMSBRIDGE_CELERY_BROKER", "amqp://guest:guest@127.0.0.1:5672//")
    prefix = _env("SMSBRIDGE_CELERY_PREFIX")
    celery = Celery("smsbridge", broker=broker, set_as_current=False)
    celery.conf.update(
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # smsbridge's tasks need no remote control; without it no shared pidbox exchange is declared
        worker_enable_remote_control=False,
    )
    if broker.startswith(("redis://", "rediss://")):
        options: dict[str, Any] = {"visibility_timeout": float(_env("SMSBRIDGE_CELERY_VISIBILITY_TIMEOUT", "3600"))}
        if prefix:
            options["global_keyprefix"] = prefix
        celery.conf.broker_transport_options = options
    fleet = register(
        celery,
        queue=_env("SMSBRIDGE_CELERY_QUEUE", "smsbridge"),
        fleet_ttl=float(_env("SMSBRIDGE_CELERY_FLEET_TTL", "600")),
        ledger=_env("SMSBRIDGE_LEDGER") or None,
        rate_store=_env("SMSBRIDGE_CELERY_RATE_STORE") or None,
        key_prefix=prefix,
    )
    celery.conf.task_default_queue = fleet.queue
    return celery, fleet


app, fleet = make_app()
