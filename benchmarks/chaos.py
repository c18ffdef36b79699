"""Chaos: kill ``smsbridge bulk`` at random points, resume it until done, and check the send
ledger's promise against what the provider stand-in itself received.

``.venv/bin/python benchmarks/chaos.py [--quick] [--seed N] [--scenarios a,b] [--output F]``

Each scenario writes an input file (valid numbers, a few invalid rows, a few rows repeating an
earlier number), starts the stand-in server of ``benchmarks/standin.py`` in counting mode
(it journals every recipient it takes, with the client id, and injects provider faults when
asked), then drives the **command line** as real subprocesses::

    smsbridge bulk input.csv TEXT --url URL --job NAME --ledger LEDGER --json --report out.csv

It interrupts runs at random points (SIGKILL, SIGTERM, or Ctrl-C twice), resumes until the job
is done, and checks, from the server's journal and the ledger:

* nobody received the SMS twice (for JorMall, a repeated single send must carry the same id,
  which JorMall ignores);
* every input row has exactly one outcome in the ledger (N of N: nothing pending, claimed or
  refused-to-be-retried), and the outcome matches what the server received: accepted ⇒
  received exactly once, rejected ⇒ never received, unknown ⇒ received 0 or 1 times (both are
  counted);
* after every run, a row the next run would send (pending, not_sent) was never received;
* a torn last write (garbage or half a frame after the SQLite WAL's last commit, a torn or
  oversized last line in the ``--report`` file) changes none of this;
* after a graceful stop (SIGTERM), nothing is claimed and nothing is unknown;
* after Ctrl-C twice, what was never sent is pending, and at most the requests in flight are
  unknown.

The same code runs at CI size in ``tests/chaos/`` and at full size here (``SCENARIOS``: 25
kills over 20,000 recipients).  Randomness (kill points, kill delays, input, faults) comes from
one seed, printed with every result; timing makes a rerun similar, not identical.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import attrs

sys.dont_write_bytecode = True  # leave no __pycache__ in the tree
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.providers import PROVIDERS  # noqa: E402
from benchmarks.standin import StandIn  # noqa: E402

__all__ = [
    "CI_SCENARIOS",
    "SCENARIOS",
    "SEED_ENV",
    "TEXT",
    "Faults",
    "Scenario",
    "account_url",
    "run_scenario",
    "smsbridge_command",
    "tear_report",
    "tear_wal",
]

TEXT = "Your order 4711 has shipped"
SEED_ENV = "SMSBRIDGE_CHAOS_SEED"
#: set to a folder to keep each scenario's files there (input, ledger, journal, each run's output)
KEEP_ENV = "SMSBRIDGE_CHAOS_KEEP"

#: recipients per request: small where the provider lets us choose, so a job has many requests
_URL_OPTIONS = {
    "jormall": "&sender=Shop",  # 120 a request (its limit)
    "aspsms": "&sender=Shop",  # 1000 a request (its limit)
    "allmysms": "&sender=Shop&batch_size=40",
    "playsms": "&batch=25",
}
CHUNK = {"jormall": 120, "aspsms": 1000, "allmysms": 40, "playsms": 25}


@attrs.frozen
class Faults:
    """Rates of provider faults per send request (see ``benchmarks/standin.py``)."""

    reset: float = 0.0  # taken, the reply is lost: unknown, received once
    stall: float = 0.0  # taken, never answered (read timeout): unknown, received once
    error: float = 0.0  # HTTP 500, nothing taken: unknown, never received
    busy: float = 0.0  # "not taken, try again": not_sent, sent again by the next run

    def rates(self) -> dict[str, float]:
        return {k: v for k, v in attrs.asdict(self).items() if v}


PROVIDER_FAULTS = Faults(reset=0.02, stall=0.005, error=0.02, busy=0.04)


@attrs.frozen
class Scenario:
    name: str
    provider: str
    recipients: int  # input rows, invalid and repeated ones included
    kills: int  # runs interrupted before the job may finish
    signal: str = "KILL"  # KILL, TERM (graceful) or INT2 (Ctrl-C, then Ctrl-C again: abort)
    workers: int = 1
    ledger: str = "sqlite"  # or "postgresql"
    concurrent: str | None = None  # two runs at once: "refuse" (no --wait) or "wait" (--wait)
    torn: bool = False  # after each kill, tear the last write of the SQLite WAL
    faults: Faults = Faults()
    latency: float = 0.002  # seconds the stand-in holds every answer
    invalid_every: int = 397  # every n-th row is not a number: rejected, never sent
    repeat_every: int = 211  # every n-th row repeats an earlier number: sent once


def _sized(n: int, kills: int) -> list[Scenario]:
    faults = PROVIDER_FAULTS
    out = [
        Scenario(f"kill-{p}", p, n if p != "aspsms" else n * 5, kills, faults=faults)  # aspsms: 1000 a request
        for p in ("jormall", "aspsms", "allmysms", "playsms")
    ]
    out += [
        Scenario("term", "allmysms", n, kills, signal="TERM"),
        Scenario("kill-workers8", "playsms", n, kills, workers=8, faults=faults),
        Scenario("term-workers8", "playsms", n, kills, signal="TERM", workers=8),
        Scenario("ctrl-c-twice-workers8", "allmysms", n, kills, signal="INT2", workers=8, latency=0.3),
        Scenario("concurrent-refuse", "allmysms", n, kills, concurrent="refuse"),
        Scenario("concurrent-wait", "playsms", n, kills, concurrent="wait"),
        Scenario("torn-wal", "allmysms", n, kills, torn=True, faults=faults),
        Scenario("postgresql", "allmysms", n, kills, ledger="postgresql", faults=faults),
        Scenario("postgresql-workers8", "playsms", n, kills, ledger="postgresql", workers=8),
    ]
    return out


#: the full run: 25 interruptions over 20,000 recipients, for every scenario
SCENARIOS = _sized(20_000, 25)
#: the test run's size (tests/chaos): a few interruptions over a few thousand, in about two minutes
CI_SCENARIOS = [s for s in _sized(2_000, 3) if s.name != "postgresql-workers8"]


def account_url(provider: str, host_port: str, extra: str = "", *, timeout: float = 1.0) -> str:
    """An account of ``provider`` at the stand-in; a stalled request times out after ``timeout`` s."""
    path = "/index.php" if provider == "playsms" else ""
    options = f"plain_http=yes&timeout={timeout:g}{_URL_OPTIONS[provider]}{extra}"
    return f"{provider}://chaosuser:chaospass@{host_port}{path}?{options}"


def smsbridge_command() -> list[str]:
    """The ``smsbridge`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("smsbridge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "smsbridge.cli"]


# ---------------------------------------------------------------------------- input


def write_input(path: Path, scenario: Scenario, rng: random.Random) -> list[str]:
    """The input CSV; returns its numbers in row order."""
    number = PROVIDERS[scenario.provider].number
    rows: list[str] = []
    valid: list[str] = []
    for i in range(scenario.recipients):
        if i and i % scenario.invalid_every == 0:
            rows.append(f"12{i}")  # too short for any country: rejected before any request
        elif i and i % scenario.repeat_every == 0:
            rows.append(rng.choice(valid))
        else:
            rows.append(number(i))
            valid.append(rows[-1])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["to"])
        writer.writerows([n] for n in rows)
    return rows


# ---------------------------------------------------------------------------- a torn write


def tear_wal(db: Path, rng: random.Random) -> str:
    """Leave the SQLite WAL as a kill in the middle of writing it would: a torn last write.

    Frames are appended by a transaction and the last one carries the commit mark; a kill
    while they are written leaves a partial tail after the last commit frame.  This cuts the
    file at a random byte of that uncommitted tail (never inside a committed transaction:
    that would be a lost fsync, which ``synchronous=FULL`` rules out) and appends either
    garbage, a half frame, or a whole copy of the last frame (right salts, wrong checksum).
    """
    wal = db.with_name(db.name + "-wal")
    if not wal.exists() or wal.stat().st_size < 32:
        return "no WAL to tear"
    data = wal.read_bytes()
    _, _, page_size, _, salt1, salt2, _, _ = struct.unpack(">8I", data[:32])
    frame = 24 + page_size
    committed_end, last, offset = 32, b"", 32
    while offset + frame <= len(data):
        _, commit, s1, s2 = struct.unpack(">4I", data[offset : offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # frames of an earlier generation (before the WAL was restarted)
        last = data[offset : offset + frame]
        if commit:
            committed_end = offset + frame
        offset += frame
    cut = rng.randint(committed_end, len(data))
    kind = rng.choice(("garbage", "half frame", "copied frame")) if last else "garbage"
    if kind == "garbage":
        tail = rng.randbytes(rng.randint(1, 2 * frame))
    elif kind == "half frame":
        tail = last[: rng.randint(1, frame - 1)]
    else:
        tail = last
    with wal.open("r+b") as fh:
        fh.truncate(cut)
        fh.seek(cut)
        fh.write(tail)
    return f"{kind}: cut at byte {cut} of {len(data)} (last commit ends at {committed_end}), +{len(tail)} bytes"


def tear_report(report: Path, rng: random.Random) -> str:
    """Leave the ``--report`` file as a crash or a full disk would (issue 12's attack table):
    its last line cut inside a quoted field, or a garbage line of over 128 KB.  The report is
    an export of the ledger, never read back: the next run must not care."""
    with report.open("a", encoding="utf-8", newline="") as fh:
        if rng.random() < 0.5:
            fh.write('4242,+41791234567,"accepted, cut in the mid')
            return "report: last line torn inside a quoted field"
        fh.write("x" * (130 * 1024) + "\n")
        return "report: a garbage line of 130 KB"


# ---------------------------------------------------------------------------- runs


@attrs.define
class Run:
    """One ``smsbridge bulk`` subprocess."""

    index: int
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path
    signals: list[str] = attrs.field(factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, name: str) -> bool:
        if not self.alive():
            return False
        try:
            self.proc.send_signal(getattr(signal, f"SIG{name}"))
        except ProcessLookupError:
            return False
        self.signals.append(name)
        return True

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def summary(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self.out.read_text(encoding="utf-8"))
            return data
        except ValueError:
            return None

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


@attrs.define
class Chaos:
    """The state of one scenario run."""

    scenario: Scenario
    seed: int
    work: Path
    server: StandIn
    ledger_url: str
    rng: random.Random
    rows: list[str] = attrs.field(factory=list)
    runs: list[Run] = attrs.field(factory=list)
    problems: list[str] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    interrupted: int = 0  # runs a signal reached
    claims_left: int = 0  # kills that left claims in flight (requests of unknown fate)
    busy_refusals: int = 0  # runs refused because another run held the job
    phases: Counter[str] = attrs.field(factory=Counter)  # where the interruptions were aimed
    started: float = attrs.field(factory=time.monotonic)

    @property
    def job(self) -> str:
        return f"chaos-{self.scenario.name}"

    @property
    def sqlite_path(self) -> Path | None:
        return self.work / "ledger.db" if self.scenario.ledger == "sqlite" else None

    def problem(self, text: str) -> None:
        self.problems.append(text)

    # -- processes

    def start(self, *, wait: float | None = None) -> Run:
        s = self.scenario
        index = len(self.runs)
        args = [
            *smsbridge_command(),
            "bulk",
            str(self.work / "input.csv"),
            TEXT,
            "--url",
            account_url(s.provider, self.server.host_port),
            "--job",
            self.job,
            "--ledger",
            self.ledger_url,
            "--json",
            "--no-progress",
            "--max-failed-requests",
            "1000000",
            "--workers",
            str(s.workers),
            "--report",
            str(self.work / "report.csv"),
        ]
        if wait is not None:
            args += ["--wait", str(wait)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")}
        env.update(
            {
                "XDG_CONFIG_HOME": str(self.work / "xdg-config"),
                "XDG_DATA_HOME": str(self.work / "xdg-data"),
                "PYTHONDONTWRITEBYTECODE": "1",
                "COLUMNS": "200",
            }
        )
        out, err = self.work / f"run-{index}.out", self.work / f"run-{index}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                args, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env, preexec_fn=_default_sigint
            )
        run = Run(index, proc, out, err)
        self.runs.append(run)
        return run

    def finish(self, run: Run, timeout: float = 600.0) -> int:
        """Wait for ``run`` to end and check how it ended."""
        try:
            code = run.wait(timeout)
        except subprocess.TimeoutExpired:
            run.proc.kill()
            run.wait(30)
            self.problem(f"run {run.index} did not end within {timeout:.0f}s (signals: {run.signals}): killed")
            return -9
        text = run.stderr()
        if "INT" in run.signals and _ctrl_c_at_start_up(code, text):
            self.notes.append(f"run {run.index}: Ctrl-C before the command started (exit {code}: {text.split()[-1]})")
            return code
        if "Traceback" in text or "this is a bug" in text:
            self.problem(f"run {run.index} crashed (exit {code}): {text[-1500:]}")
        if code == 2:
            if "is being run by" in text:
                self.busy_refusals += 1
                summary = run.summary() or {}
                if "error" not in summary:
                    self.problem(f"run {run.index} was refused the job but printed a summary: {summary}")
            else:
                self.problem(f"run {run.index}: usage or configuration error: {text[-800:]}")
        elif code == 1:
            self.problem(f"run {run.index} failed (exit 1): {text[-800:]}")
        return code

    def kill_point(self, run: Run, target: int) -> str:
        """Wait for a random point of ``run``: a moment of its start-up or input reading, or the
        moment the server has taken ``target`` recipients (then a few ms more)."""
        rng = self.rng
        deadline = time.monotonic() + 300
        if rng.random() < 0.15:
            end = time.monotonic() + rng.uniform(0.0, 0.8)
            while run.alive() and time.monotonic() < end:
                time.sleep(0.002)
            self.phases["start-up"] += 1
            return "start-up"
        while run.alive() and self.server.taken() < target and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.004 + self.scenario.latency))
        self.phases["sending"] += 1
        return "sending"

    def interrupt(self, run: Run) -> bool:
        """Stop ``run`` by the scenario's signal; whether the signal reached it."""
        s = self.scenario
        if s.signal == "INT2":
            if not run.send("INT"):
                return False
            time.sleep(self.rng.uniform(0.0, s.latency / 2))  # while the requests in flight still wait
            run.send("INT")
            return True
        return run.send(s.signal)

    # -- the ledger

    @contextmanager
    def ledger(self) -> Iterator[Any]:
        from smsbridge.ledger import open_ledger

        with open_ledger(self.ledger_url) as ledger:
            yield ledger

    def states(self) -> Counter[str]:
        if self.sqlite_path is not None and not self.sqlite_path.exists():
            return Counter()  # the first run creates it
        with self.ledger() as ledger:
            info = ledger.find_job(self.job)
            return Counter(info.counts if info is not None else {})

    def lease_pid(self) -> int | None:
        with self.ledger() as ledger:
            info = ledger.find_job(self.job, counts=False)
        owner = info.lease_owner if info is not None else None
        parts = (owner or "").split("/")
        return int(parts[1]) if len(parts) == 4 and parts[1].isdigit() else None

    def check_between_runs(self, run: Run, before: Counter[str]) -> None:
        """What must hold after every run: a row the next run sends was never received."""
        self.server.settle()
        taken = self.server.received()
        with self.ledger() as ledger:
            sendable = list(ledger.rows(self.job, states=["pending", "not_sent"]))
            counts = Counter(ledger.counts(self.job))
        received = [r for r in sendable if taken[_digits(r.number)]]
        if received:
            shown = ", ".join(f"{r.number} ({r.state.value})" for r in received[:5])
            self.problem(
                f"after run {run.index}: {len(received)} row(s) to be sent again were already received: {shown}"
            )
        if "TERM" in run.signals and (counts["claimed"] or counts["unknown"] > before["unknown"]):
            self.problem(
                f"after a graceful stop (run {run.index}, SIGTERM): {counts['claimed']} claimed, "
                f"{counts['unknown'] - before['unknown']} new unknown row(s); expected none"
            )
        if "INT" in run.signals:
            bound = self.scenario.workers * CHUNK[self.scenario.provider]
            new_unknown = counts["unknown"] - before["unknown"]
            if counts["claimed"] or new_unknown > bound:
                self.problem(
                    f"after Ctrl-C twice (run {run.index}): {counts['claimed']} claimed, {new_unknown} new unknown "
                    f"row(s); at most the requests in flight ({bound} rows) may be unknown, the rest pending"
                )
        if "KILL" in run.signals and counts["claimed"]:
            self.claims_left += 1


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _default_sigint() -> None:
    """In each run, before exec: Ctrl-C as in a terminal, even when this harness runs in the
    background (``cmd &`` starts with SIGINT ignored, which its children would inherit)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ctrl_c_at_start_up(code: int, stderr: str) -> bool:
    """Ctrl-C while Python imports the command (a KeyboardInterrupt traceback) or while click
    sets it up ("Aborted!", exit 1): before smsbridge handles signals, and before any ledger write."""
    last = stderr.strip().splitlines()[-1:] or [""]
    return last[0] == "KeyboardInterrupt" or (code == 1 and last[0] == "Aborted!")


# ---------------------------------------------------------------------------- one scenario


def run_scenario(scenario: Scenario, seed: int, *, ledger_url: str | None = None) -> dict[str, Any]:
    """Run ``scenario`` with ``seed``; its figures, with ``problems`` (empty when the promise held).

    ``ledger_url``: the PostgreSQL database for ``ledger="postgresql"`` (a fresh one, e.g. from
    ``smsbridge.testing.services.postgres_database()``).
    """
    if scenario.ledger == "postgresql" and not ledger_url:
        raise ValueError("a PostgreSQL scenario needs ledger_url")
    with ExitStack() as stack:
        keep = os.environ.get(KEEP_ENV, "").strip()
        if keep:
            work = Path(tempfile.mkdtemp(prefix=f"{scenario.name}-", dir=keep))
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"smsbridge-chaos-{scenario.name}-")))
        server = stack.enter_context(StandIn(journal=work / "journal"))
        chaos = Chaos(
            scenario=scenario,
            seed=seed,
            work=work,
            server=server,
            ledger_url=ledger_url or f"sqlite:///{work / 'ledger.db'}",
            rng=random.Random(seed),
        )
        _drive(chaos)
        result = _verify(chaos)
        if result["problems"] and not keep:  # keep the evidence: input, ledger, journal, every run's output
            kept = Path(tempfile.gettempdir()) / f"smsbridge-chaos-failed-{scenario.name}-{seed}"
            shutil.copytree(work, kept, dirs_exist_ok=True)
            result["kept"] = str(kept)
        return result
    raise AssertionError("unreachable")  # pragma: no cover (mypy: ExitStack may swallow)


def _drive(chaos: Chaos) -> None:
    s, rng, server = chaos.scenario, chaos.rng, chaos.server
    chaos.rows = write_input(chaos.work / "input.csv", s, rng)
    server.set_latency(s.latency)
    if s.faults.rates():  # every kind once, at the first send requests; then by the rates
        server.script_faults(["reset", "error", "busy", "stall"])
    server.set_faults(seed=chaos.seed, **s.faults.rates())
    unique = len({n for n in chaos.rows if n.startswith("+")})
    if s.concurrent:
        _interrupt_pairs(chaos, unique)
    else:
        for _ in range(3 * s.kills + 5):
            if chaos.interrupted >= s.kills:
                break
            before = chaos.states() if not s.torn else Counter()
            run = chaos.start()
            chaos.kill_point(run, _next_target(chaos, unique, before))
            reached = chaos.interrupt(run)
            chaos.interrupted += reached
            chaos.finish(run)
            _after_run(chaos, run, before)
            if not reached and _finished(chaos, run):
                break  # the job ended before the point: nothing left to interrupt
    _resume_until_done(chaos)


def _next_target(chaos: Chaos, unique: int, states: Counter[str] | None = None) -> int:
    """A kill point: a number of recipients taken, spread over what is left for the kills left.

    What is left: the rows without an outcome when the ledger's ``states`` are known, else
    the valid numbers not taken yet (more: some of them are unknown and never sent again).
    """
    taken = chaos.server.taken()
    if states:
        settled = sum(n for state, n in states.items() if state not in ("pending", "not_sent", "claimed"))
        left_rows = len(chaos.rows) - settled
    else:
        left_rows = unique - taken
    kills_left = chaos.scenario.kills - chaos.interrupted
    return taken + chaos.rng.randint(1, max(1, 2 * max(1, left_rows) // (kills_left + 1)))


def _finished(chaos: Chaos, run: Run) -> bool:
    """``run`` ended by itself with nothing left to send (by the ledger; by the run's summary
    when the ledger must not be opened before the next run)."""
    if run.proc.returncode not in (0, 3):
        return False
    if chaos.scenario.torn:
        summary = run.summary() or {}
        return summary.get("pending") == 0 and summary.get("not_sent") == 0 and summary.get("total") == len(chaos.rows)
    left = chaos.states()
    return not (left["pending"] or left["not_sent"] or left["claimed"])


def _after_run(chaos: Chaos, run: Run, before: Counter[str]) -> None:
    if chaos.scenario.torn and "KILL" in run.signals and chaos.sqlite_path is not None:
        chaos.server.settle()
        chaos.notes.append(f"run {run.index}: {tear_wal(chaos.sqlite_path, chaos.rng)}")
        chaos.notes.append(f"run {run.index}: {tear_report(chaos.work / 'report.csv', chaos.rng)}")
        return  # the next run must be the first to open the torn ledger
    if not chaos.scenario.torn:
        chaos.check_between_runs(run, before)


def _interrupt_pairs(chaos: Chaos, unique: int) -> None:
    """Two runs of the job at once, all the time: one holds the job, the other is refused or
    waits (``--wait``); at each point the holder is interrupted and a new run joins."""
    s = chaos.scenario
    wait = 60.0 if s.concurrent == "wait" else None
    alive: list[Run] = []
    for _ in range(3 * s.kills + 5):
        if chaos.interrupted >= s.kills:
            break
        while len(alive) < 2:
            alive.append(chaos.start(wait=wait))
            time.sleep(chaos.rng.uniform(0.0, 0.05))
        holder: Run | None = None
        deadline = time.monotonic() + 60
        while holder is None and time.monotonic() < deadline and any(r.alive() for r in alive):
            pid = chaos.lease_pid()
            holder = next((r for r in alive if r.pid == pid and r.alive()), None)
            time.sleep(0.005)
        if holder is not None:
            chaos.kill_point(holder, _next_target(chaos, unique, chaos.states()))
            chaos.interrupted += chaos.interrupt(holder)
        for run in list(alive):
            if run is holder or not run.alive():
                chaos.finish(run)
                alive.remove(run)
        if not alive:
            left = chaos.states()
            if not (left["pending"] or left["not_sent"] or left["claimed"]):
                break
    for run in alive:
        chaos.finish(run)
    chaos.server.settle()


def _resume_until_done(chaos: Chaos) -> None:
    """Run the same command until no row is left to send; the provider's faults stop after a
    few runs (a refusal sends the row again, and again), so the job always ends."""
    for attempt in range(12):
        if attempt == 3:
            chaos.server.set_faults()
        before = chaos.states()
        run = chaos.start()
        code = chaos.finish(run)
        if code not in (0, 3):
            chaos.problem(f"resume run {run.index} exited {code}")
        chaos.check_between_runs(run, before)
        counts = chaos.states()
        if not (counts["pending"] or counts["not_sent"] or counts["claimed"]):
            return
    chaos.problem(f"the job was not done after 12 resumes: {dict(chaos.states())}")


# ---------------------------------------------------------------------------- the verdict


def _verify(chaos: Chaos) -> dict[str, Any]:
    s, server = chaos.scenario, chaos.server
    server.settle()
    events = list(server.events())
    taken = Counter(e.number for e in events if e.kind == "taken")
    refs: dict[str, set[str]] = {}
    for e in events:
        if e.kind in ("taken", "ignored"):
            refs.setdefault(e.number, set()).add(e.ref)
    twice = sorted(n for n, k in taken.items() if k > 1)
    if twice:
        chaos.problem(f"{len(twice)} recipient(s) received the SMS twice or more: {twice[:10]}")
        chaos.problem(f"the first of them in the ledger and the journal: {_trace(chaos, twice[0], events)}")
    repeated = [n for n in refs if len(refs[n]) > 1 and s.provider == "jormall"]
    repeats_same_id = sum(1 for e in events if e.kind == "ignored")
    if repeated:
        chaos.problem(f"{len(repeated)} JorMall recipient(s) were sent to again with another id: {repeated[:10]}")

    with chaos.ledger() as ledger:
        rows = list(ledger.rows(chaos.job))
    outcomes: Counter[str] = Counter()
    unknown_received = unknown_not_received = 0
    accounted: set[str] = set()
    seqs = [r.seq for r in rows]
    if seqs != list(range(len(chaos.rows))):
        chaos.problem(f"the ledger holds {len(rows)} rows for {len(chaos.rows)} input rows (or rows out of order)")
    mismatched: list[str] = []
    for row, given in zip(rows, chaos.rows, strict=False):
        digits = _digits(row.number)
        if digits != _digits(given):
            mismatched.append(f"row {row.seq}: {given} recorded as {row.number}")
        state = row.outcome.value
        outcomes[state] += 1
        got = taken[digits]
        if row.outcome.sent:
            accounted.add(digits)
            if got != 1:
                mismatched.append(f"row {row.seq} {row.number}: {state}, received {got} time(s)")
        elif state == "unknown":
            accounted.add(digits)
            if got == 1 and row.dup_of is None:
                unknown_received += 1
            elif got == 0 and row.dup_of is None:
                unknown_not_received += 1
        elif state == "rejected":
            if got:
                mismatched.append(f"row {row.seq} {row.number}: rejected, but received {got} time(s)")
        else:
            mismatched.append(f"row {row.seq} {row.number}: no outcome ({state})")
    stray = sorted(set(taken) - accounted)
    if stray:
        chaos.problem(f"{len(stray)} recipient(s) received the SMS but have no sent or unknown outcome: {stray[:10]}")
    if mismatched:
        chaos.problem(f"{len(mismatched)} row(s) disagree with the server: {mismatched[:10]}")
    report = _report_outcomes(chaos.work / "report.csv")
    if report is not None and report != [r.outcome.value if not r.outcome.sent else "accepted" for r in rows]:
        ledger_view = Counter(("accepted" if r.outcome.sent else r.outcome.value) for r in rows)
        chaos.problem(f"the last report disagrees with the ledger: {Counter(report)} vs {ledger_view}")

    counts = server.counts()
    codes = Counter(str(r.proc.returncode) for r in chaos.runs)
    return {
        "scenario": s.name,
        "provider": s.provider,
        "seed": chaos.seed,
        "ledger": s.ledger,
        "workers": s.workers,
        "signal": s.signal,
        "concurrent": s.concurrent,
        "torn": s.torn,
        "faults": s.faults.rates(),
        "rows": len(chaos.rows),
        "invalid_rows": sum(1 for n in chaos.rows if not n.startswith("+")),
        "repeated_rows": sum(1 for r in rows if r.dup_of is not None),
        "runs": len(chaos.runs),
        "interrupted_runs": chaos.interrupted,
        "kills_leaving_claims": chaos.claims_left,
        "aimed_at": dict(chaos.phases),
        "refused_busy": chaos.busy_refusals,
        "exit_codes": dict(sorted(codes.items())),
        "outcomes": dict(sorted(outcomes.items())),
        "with_one_outcome": sum(outcomes[k] for k in ("accepted", "rejected", "unknown"))
        + sum(outcomes[k] for k in ("delivered", "failed", "expired")),
        "unknown_received": unknown_received,
        "unknown_not_received": unknown_not_received,
        "received_twice": len(twice),
        "repeats_same_id": repeats_same_id,
        "server": {
            "send_requests": sum(counts[p] for p in PROVIDERS),
            "taken": counts["taken"],
            "faults": counts["faults"],
            "refused": sum(1 for e in events if e.kind == "refused"),
        },
        "seconds": round(time.monotonic() - chaos.started, 1),
        "notes": chaos.notes,
        "problems": chaos.problems,
    }


def _trace(chaos: Chaos, number: str, events: list[Any]) -> str:
    """What the ledger and the server's journal say about one number, for a failure message."""
    with chaos.ledger() as ledger:
        rows = [r for r in ledger.rows(chaos.job) if _digits(r.number) == number]
    seen = [f"#{i} {e.kind} ref={e.ref or '-'}" for i, e in enumerate(events) if e.number == number]
    shown = [
        f"row {r.seq}: state={r.state.value} dup_of={r.dup_of} client_ref={r.client_ref} reason={r.reason}"
        for r in rows
    ]
    return f"ledger [{'; '.join(shown)}], journal [{'; '.join(seen)}] of {len(events)} events"


def _report_outcomes(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["outcome"] for row in csv.DictReader(fh)]


# ---------------------------------------------------------------------------- command line


def _seed(given: int | None) -> int:
    if given is not None:
        return given
    env = os.environ.get(SEED_ENV, "").strip()
    return int(env) if env else random.SystemRandom().randrange(2**31)


def _run_one(scenario: Scenario, seed: int) -> dict[str, Any]:
    if scenario.ledger != "postgresql":
        return run_scenario(scenario, seed)
    from smsbridge.testing.services import postgres_database

    try:
        with postgres_database("smsbridge_chaos") as url:
            return run_scenario(scenario, seed, ledger_url=url)
    except BaseException as exc:  # pytest's skip outside pytest: no PostgreSQL here
        if type(exc).__name__ not in ("Skipped", "Failed"):
            raise
        return {"scenario": scenario.name, "skipped": str(exc), "problems": [], "seed": seed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="the test run's sizes (a few kills, 2,000 rows)")
    parser.add_argument("--seed", type=int, help=f"the seed (default: ${SEED_ENV}, else a random one, printed)")
    parser.add_argument("--scenarios", help="comma-separated names (default: all)")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    chosen = CI_SCENARIOS if args.quick else SCENARIOS
    if args.scenarios:
        wanted = set(args.scenarios.split(","))
        chosen = [s for s in chosen if s.name in wanted]
    seed = _seed(args.seed)
    print(f"chaos: seed {seed} ({SEED_ENV}={seed} reproduces the random choices)", flush=True)
    results = []
    started = time.monotonic()
    for index, scenario in enumerate(chosen):
        result = _run_one(scenario, seed + index)
        results.append(result)
        print(_line(result), flush=True)
        for problem in result["problems"]:
            print(f"    PROBLEM: {problem}", flush=True)
        if "kept" in result:
            print(f"    files kept in {result['kept']}", flush=True)
    total = round(time.monotonic() - started, 1)
    failed = [r["scenario"] for r in results if r["problems"]]
    print(f"chaos: {len(results)} scenario(s) in {total}s, seed {seed}; " + (f"FAILED: {failed}" if failed else "ok"))
    if args.output:
        from benchmarks.machine import describe

        data = {"machine": describe(), "seed": seed, "seconds": total, "results": results}
        args.output.write_text(json.dumps(data, indent=2) + "\n")
    return 1 if failed else 0


def _line(r: dict[str, Any]) -> str:
    if "skipped" in r:
        return f"{r['scenario']:<24} skipped: {r['skipped']}"
    o = r["outcomes"]
    return (
        f"{r['scenario']:<24} {r['rows']:>6} rows  {r['runs']:>3} runs ({r['interrupted_runs']} interrupted, "
        f"{r['kills_leaving_claims']} left claims)  accepted {o.get('accepted', 0)}  rejected "
        f"{o.get('rejected', 0)}  unknown {o.get('unknown', 0)} (received {r['unknown_received']}, not "
        f"{r['unknown_not_received']})  twice {r['received_twice']}  one outcome {r['with_one_outcome']}/{r['rows']}"
        f"  faults {r['server']['faults']}  {r['seconds']}s  seed {r['seed']}"
    )


if __name__ == "__main__":
    sys.exit(main())
