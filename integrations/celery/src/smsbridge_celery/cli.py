"""``smsbridge bulk FILE TEXT --job NAME --account NAME --via celery``: the core's entry point here.

The core finds this through the ``smsbridge.runners`` entry point (it never imports Celery)
and hands over the account's name, the input rows and the job's settings; the job is queued on
the app of ``smsbridge_celery.worker`` (configured from the environment, like the workers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["submit_bulk"]


def submit_bulk(
    *,
    account_name: str,
    account: Any,
    rows: Iterable[Any],
    text: str,
    options: Mapping[str, Any],
    job: str,
    ledger_url: str | None,
    allow_repeats: bool,
    resend_unknown: bool,
    wait: float | None,
    warn: Callable[[str], None],
) -> dict[str, Any]:
    from smsbridge_celery.worker import fleet

    if ledger_url is not None:
        fleet.ledger_url = ledger_url  # the workers must read the same ledger (SMSBRIDGE_LEDGER there)
    submission = fleet.submit(
        job,
        account_name,
        rows,
        text,
        opened=account,
        allow_repeats=allow_repeats,
        resend_unknown=resend_unknown,
        wait=wait,
        warn=warn,
        **options,
    )
    out = submission.as_dict()
    out["follow"] = f"smsbridge jobs show {job}"
    return out
