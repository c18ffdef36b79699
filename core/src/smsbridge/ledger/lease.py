"""One runner per job: a lease with an owner and an expiry, renewed while the run lasts.

The owner names the machine, the process and its start time (``host/pid/start/nonce``), so
that a run killed on this machine frees its job at once (its process is gone), while a lease
held from another machine frees only when it expires: ``ttl`` seconds after the last renewal.
A heartbeat thread renews it every ``ttl / 3`` seconds; if a renewal finds the lease taken
(the run was stalled longer than ``ttl``), the run is told to stop before its next claim,
and the ledger's row guards keep it from claiming anything meanwhile.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from smsbridge.errors import JobBusyError

if TYPE_CHECKING:
    from smsbridge.ledger.store import Ledger

__all__ = ["DEFAULT_TTL", "Lease", "new_owner", "owner_alive"]

DEFAULT_TTL = 30.0


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), or '' where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def new_owner() -> str:
    """A lease owner id for this process."""
    pid = os.getpid()
    return f"{socket.gethostname()}/{pid}/{_start_time(pid) or '-'}/{uuid.uuid4().hex[:8]}"


def owner_alive(owner: str) -> bool:
    """False only when ``owner`` is certainly a process of this machine that no longer runs."""
    parts = owner.split("/")
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return True  # another machine (or a form we don't know): only the expiry frees it
    pid, started = int(parts[1]), parts[2]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    current = _start_time(pid)
    return not (started != "-" and current and current != started)  # a new process reusing the pid


def describe_owner(owner: str) -> str:
    parts = owner.split("/")
    if len(parts) == 4:
        return f"process {parts[1]} on {parts[0]}"
    return owner


class Lease:
    """Hold a job's lease for the duration of a ``with`` block."""

    def __init__(
        self,
        ledger: Ledger,
        job_id: str,
        *,
        ttl: float = DEFAULT_TTL,
        wait: float | None = None,
        owner: str | None = None,
        poll: float = 0.5,
        stopping: Callable[[], bool] = lambda: False,
        keep: bool = False,
    ) -> None:
        """``keep``: leave the lease held at exit, for others to use and release: a distributed
        run hands its job to its workers this way (``owner`` names them, ``ttl`` bounds how long
        they may go without progress before another runner may take the job over)."""
        self.ledger = ledger
        self.keep = keep
        self.job_id = job_id
        self.ttl = ttl
        self.wait = wait
        self.owner = owner or new_owner()
        self.poll = poll
        self.stopping = stopping  # the run was asked to stop: waiting ends at once
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        deadline = None if self.wait is None else time.monotonic() + self.wait
        while True:
            holder = self.ledger.acquire_lease(self.job_id, self.owner, self.ttl)
            if holder is None:
                break
            if deadline is None or time.monotonic() >= deadline or self.stopping():
                raise JobBusyError(
                    f"job {self.job_id!r} is being run by {describe_owner(holder)} (its lease is held); "
                    "two runs of one job never send at the same time",
                    holder=holder,
                )
            time.sleep(self.poll)
        self._thread = threading.Thread(target=self._heartbeat, name=f"smsbridge-lease-{self.job_id}", daemon=True)
        self._thread.start()
        return self

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                if not self.ledger.renew_lease(self.job_id, self.owner, self.ttl):
                    self.lost.set()
                    return
            except Exception:  # the ledger is unreachable: the claims will fail and say so
                continue

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self.lost.is_set() and not self.keep:
            try:
                self.ledger.release_lease(self.job_id, self.owner)
            except Exception:
                pass  # it expires by itself
