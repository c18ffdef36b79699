"""A stand-in for every provider's HTTP API, fast enough not to hide the framework's cost.

Why not ``smsbridge.testing.server.FaultServer``: it runs a thread per connection and parses
every header, which costs more per request than the client under test.  Here each server
process runs one asyncio event loop with a hand-rolled HTTP/1.1 keep-alive parser that reads
only the request line and ``Content-Length``.  Several processes can share the port
(``SO_REUSEPORT``), each on its own core, so the server is never the bottleneck.

It answers each provider's real success format (the cassettes under ``cassettes/<name>/``):

* JorMall: ``GenerateToken.cfm`` (a ``Bearer`` line), the ASMX ``SendSMS`` (``<string>`` XML
  with ``MsgID = n``) and ``SendBulkMessages3.cfm`` (``MsgID = n``);
* ASPSMS: ``POST /SendTextSMS`` -> ``{"StatusCode":"1","StatusInfo":"OK"}``;
* AllMySMS: ``POST /http/9.0/sendSms/`` -> status 100 with one ``smsIds`` entry per
  ``MOBILEPHONE`` of the flow;
* playSMS: ``POST /index.php?app=ws&op=pv`` -> one ``data`` item per number of ``to``.

Counters (requests per provider, token requests, other requests, TCP connections) and the
injected latency live in shared memory, so the parent reads and sets them without a control
round trip.  The parent can also "arm" a capture: the next send request's raw bytes are copied
to shared memory, which is how the byte-identity of smsbridge and the baseline is proven.
Binds 127.0.0.1 only; the processes are the parent's children and stop with it.

**Counting mode** (``StandIn(journal=folder)``, used by the chaos suite, ``benchmarks/chaos.py``):
the server also reads the recipients of every send request and keeps the provider's own truth
in a journal (one line per recipient: taken, ignored or refused, with the client id), and it
can misbehave on purpose, by seeded rates (``set_faults``) or by a script for the next send
requests (``script_faults``):

* ``reset``: take the message, then reset the connection: the reply is lost;
* ``stall``: take the message and never answer (the client's read timeout);
* ``error``: HTTP 500, nothing taken (an HTML page; playSMS's real empty body);
* ``busy``: the provider's own "not taken, try again" answer: JorMall ``Connection Failed,
  please try again``, ASPSMS StatusCode 24, HTTP 429 for AllMySMS and playSMS.

Like JorMall, it ignores a single send whose ``id`` it has seen before and answers
``Message Ignored, Duplicate ID`` (ids are remembered per server process: use one process).
The benchmarks never turn this mode on, so their fast path is unchanged.

With ``log_dir`` each server process also appends one line per send request to
``<log_dir>/standin-<n>.log`` (arrival time, counter slot, request target and body), written
before the answer leaves: what a test counts as *received* is what reached the server, whatever
the client believes (``received_requests`` reads them back).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.sharedctypes
import os
import random
import re
import signal
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs

__all__ = ["FAULTS", "SEND_SLOTS", "SLOTS", "Event", "Received", "StandIn", "received_requests"]

#: counter slots, per server process; ``taken`` / ``ignored`` / ``faults`` count in counting mode
#: only (recipients taken, recipients of a repeated JorMall id, send requests answered with a fault)
SLOTS = (
    "jormall",
    "aspsms",
    "allmysms",
    "playsms",
    "token",
    "other",
    "connections",
    "closed",
    "taken",
    "ignored",
    "faults",
)
_INDEX = {name: i for i, name in enumerate(SLOTS)}
_CAPTURE_BYTES = 1 << 20
SEND_SLOTS = ("jormall", "aspsms", "allmysms", "playsms")

#: what a send request can be answered with in counting mode (code = index + 1; 0 is a normal answer)
FAULTS = ("reset", "stall", "error", "busy")
_RESET, _STALL, _ERROR, _BUSY = 1, 2, 3, 4
_SCRIPT_MAX = 256
_PER_MILLION = 1_000_000


class Event(NamedTuple):
    """One journal line: what the provider did with one recipient of one request."""

    kind: str  # "taken" (an SMS goes out), "ignored" (a repeated JorMall id), "refused" (a fault: nothing taken)
    slot: str  # the provider
    number: str  # digits only
    ref: str  # client id (JorMall id, ASPSMS TRN, AllMySMS CLIMSGID) or ""


_ASMX = b'<?xml version="1.0" encoding="utf-8"?>\r\n<string xmlns="http://tempuri.org/">\r\nMsgID = %d</string>'
_ASPSMS_OK = b'{"StatusCode":"1","StatusInfo":"OK"}'
_TOKEN = b"\r\nBearer bench-token-0123456789\r\n\r\n"
_ALLMYSMS_PHONE = re.compile(rb"MOBILEPHONE%22%3A%22(\d+)%22")
_JSON = b"application/json; charset=utf-8"
_HTML = b"text/html; charset=UTF-8"
_XML = b"text/xml; charset=utf-8"
_ASMX_TEXT = b'<?xml version="1.0" encoding="utf-8"?>\r\n<string xmlns="http://tempuri.org/">\r\n%s</string>'
_ERROR_PAGE = b"<html><head><title>500 Internal Server Error</title></head><body>Internal Server Error</body></html>"


def _response(body: bytes, content_type: bytes, status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def _form_value(body: bytes, name: bytes) -> bytes:
    """The raw (still percent-encoded) value of form field ``name``."""
    key = name + b"="
    if body.startswith(key):
        start = len(key)
    else:
        at = body.find(b"&" + key)
        if at < 0:
            return b""
        start = at + 1 + len(key)
    end = body.find(b"&", start)
    return body[start:] if end < 0 else body[start:end]


class Received:
    """One send request as it reached the stand-in."""

    __slots__ = ("at", "body", "slot", "target")

    def __init__(self, at: float, slot: str, target: str, body: str) -> None:
        self.at, self.slot, self.target, self.body = at, slot, target, body


def received_requests(log_dir: str) -> list[Received]:
    """Every send request logged under ``log_dir``, by arrival time."""
    import glob

    out: list[Received] = []
    for path in glob.glob(f"{log_dir}/standin-*.log"):
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                at, slot, target, body = line.rstrip("\n").split("\t", 3)
                out.append(Received(float(at), slot, target, body))
    out.sort(key=lambda r: r.at)
    return out


class _Shared:
    """The shared-memory handles a server process needs (picklable for ``spawn``)."""

    def __init__(self, ctx: Any, procs: int) -> None:
        self.counters = ctx.Array("q", procs * len(SLOTS), lock=False)
        self.latency_us = ctx.Value("q", 0, lock=False)
        self.armed = ctx.Value("i", 0, lock=False)  # read on every request: no lock there
        self.claim = ctx.Lock()  # only one process may claim an armed capture
        self.capture = ctx.Array("c", _CAPTURE_BYTES, lock=False)
        self.capture_len = ctx.Value("q", -1, lock=False)
        self.ready = ctx.Value("i", 0)
        # counting mode: fault rates (per million send requests), their seed, a script of faults
        # for the next send requests (consumed first, under ``claim``)
        self.rates = ctx.Array("q", len(FAULTS), lock=False)
        self.seed = ctx.Value("q", 0, lock=False)
        self.script = ctx.Array("b", _SCRIPT_MAX, lock=False)
        self.script_len = ctx.Value("i", 0, lock=False)
        self.script_pos = ctx.Value("i", 0, lock=False)


class _Handler(asyncio.Protocol):
    """One keep-alive connection: split requests by ``Content-Length`` and answer each."""

    def __init__(self, server: _Server) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.count("connections")

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            at = buffer.find(b"\r\nContent-Length: ", 0, end)
            if at < 0:
                at = buffer[:end].lower().find(b"\r\ncontent-length:")
            length = 0
            if at >= 0:
                stop = buffer.find(b"\r\n", at + 2)
                stop = end if stop < 0 or stop > end else stop
                length = int(buffer[at + 2 : stop].split(b":", 1)[1])
            total = end + 4 + length
            if len(buffer) < total:
                break
            request, buffer = buffer[:total], buffer[total:]
            self.server.answer(self, request, end)
        self.buffer = buffer

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def reset(self) -> None:
        """Close with a TCP reset (RST), unanswered."""
        if self.transport is None or self.transport.is_closing():
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.server.count("closed")


class _Server:
    """The request router of one server process."""

    def __init__(self, shared: _Shared, index: int, journal: int | None = None, log_dir: str | None = None) -> None:
        self.shared = shared
        self.index = index
        self.base = index * len(SLOTS)
        self.next_id = 10_000_000 * (index + 1)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.journal = journal  # a file descriptor (O_APPEND) in counting mode
        self.seen_ids: set[str] = set()  # JorMall ids taken so far
        self.rng = random.Random()
        self.seeded: int | None = None
        self.log_fd = -1
        if log_dir is not None:
            self.log_fd = os.open(f"{log_dir}/standin-{index}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def count(self, slot: str, n: int = 1) -> None:
        self.shared.counters[self.base + _INDEX[slot]] += n

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def route(self, target: bytes, body: bytes) -> tuple[str, bytes]:
        """The counter slot and the full response for one request."""
        if b"/SMSService.asmx/SendSMS" in target:
            return "jormall", _response(_ASMX % self._id(), _XML)
        if b"/sms/api/SendBulkMessages" in target:
            return "jormall", _response(b"MsgID = %d" % self._id(), _HTML)
        if b"/SendTextSMS" in target:
            return "aspsms", _response(_ASPSMS_OK, _JSON)
        if b"/sendSms/" in target:
            phones = _ALLMYSMS_PHONE.findall(body)
            first = self._id()
            self.next_id += len(phones)
            reply = {
                "status": 100,
                "statusText": "Your messages have been sent",
                "invalidNumbers": "",
                "campaignId": f"bench-{first}",
                "credits": "1000000",
                "creditsUsed": str(len(phones)),
                "nbContacts": str(len(phones)),
                "nbSms": str(len(phones)),
                "smsIds": [{"phoneNumber": p.decode(), "smsId": f"sms-{first + i}"} for i, p in enumerate(phones)],
            }
            return "allmysms", _response(json.dumps(reply, separators=(",", ":")).encode(), _JSON)
        if b"op=pv" in target:
            numbers = _form_value(body, b"to").split(b"%2C")
            first = self._id()
            self.next_id += len(numbers)
            items = b",".join(
                b'{"status":"OK","error":"0","smslog_id":"%d","queue":"bench%d","to":"%s"}' % (first + i, first, n)
                for i, n in enumerate(numbers)
            )
            body_out = b'{"data":[' + items + b'],"error_string":null,"timestamp":1700000000}'
            return "playsms", _response(body_out, b"application/json")
        if b"/GenerateToken.cfm" in target or b"/GetToken.cfm" in target:
            return "token", _response(_TOKEN, _HTML)
        return "other", _response(b"not found", b"text/plain", b"404 Not Found")

    def answer(self, handler: _Handler, request: bytes, head_end: int) -> None:
        line_end = request.find(b"\r\n")
        parts = request[:line_end].split(b" ")
        target = parts[1] if len(parts) > 1 else b"/"
        body = request[head_end + 4 :]
        slot, response = self.route(target, body)
        self.count(slot)
        if self.log_fd >= 0 and slot not in ("token", "other"):
            logged = body.replace(b"\n", b" ").replace(b"\t", b" ")
            os.write(self.log_fd, b"%.6f\t%s\t%s\t%s\n" % (time.time(), slot.encode(), target, logged))
        shared = self.shared
        if self.journal is not None and slot in SEND_SLOTS:
            fault, response = self.counted(slot, target, body, response)
            if fault == _RESET:
                handler.reset()
                return
            if fault == _STALL:
                return  # never answered: the client's read timeout ends it
        if shared.armed.value and slot not in ("token", "other"):
            self._capture(request)
        delay = shared.latency_us.value
        if delay > 0 and self.loop is not None:
            self.loop.call_later(delay / 1e6, handler.write, response)
        else:
            handler.write(response)

    # ------------------------------------------------------------------ counting mode

    def _fault(self) -> int:
        """The fault for this send request: the script's next entry, else one drawn by the rates."""
        shared = self.shared
        if shared.script_pos.value < shared.script_len.value:
            with shared.claim:
                pos = shared.script_pos.value
                if pos < shared.script_len.value:
                    shared.script_pos.value = pos + 1
                    return int(shared.script[pos])
        rates = shared.rates[:]
        if not any(rates):
            return 0
        if self.seeded != shared.seed.value:
            self.seeded = shared.seed.value
            self.rng.seed(self.seeded * 1009 + self.index)
        roll = self.rng.random() * _PER_MILLION
        for code, rate in enumerate(rates, start=1):
            if roll < rate:
                return code
            roll -= rate
        return 0

    def counted(self, slot: str, target: bytes, body: bytes, response: bytes) -> tuple[int, bytes]:
        """Journal what the provider does with this send request; its fault code and reply."""
        recipients = _recipients(slot, target, body)
        fault = self._fault()
        if fault in (_ERROR, _BUSY):
            self.count("faults")
            self._write("refused", slot, recipients)
            return fault, _fault_reply(slot, target, fault)
        kind = "taken"
        if slot == "jormall" and b"SMSService.asmx" in target and len(recipients) == 1 and recipients[0][1]:
            ref = recipients[0][1]
            if ref in self.seen_ids:  # JorMall ignores a repeated id: nothing is sent again
                kind = "ignored"
                response = _response(_ASMX_TEXT % (b"Message Ignored, Duplicate ID " + ref.encode()), _XML)
            else:
                self.seen_ids.add(ref)
        self._write(kind, slot, recipients)
        self.count(kind, len(recipients))
        if fault:
            self.count("faults")
        return fault, response

    def _write(self, kind: str, slot: str, recipients: list[tuple[str, str]]) -> None:
        assert self.journal is not None
        lines = "".join(f"{kind}\t{slot}\t{number}\t{ref}\n" for number, ref in recipients)
        os.write(self.journal, lines.encode("ascii", "replace"))

    def _capture(self, request: bytes) -> None:
        shared = self.shared
        with shared.claim:
            if not shared.armed.value:
                return
            shared.armed.value = 0
        data = request[:_CAPTURE_BYTES]
        shared.capture[: len(data)] = data
        shared.capture_len.value = len(data)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _split(value: str) -> list[str]:
    return [n for n in re.split(r"[,;]", value) if n.strip()]


def _recipients(slot: str, target: bytes, body: bytes) -> list[tuple[str, str]]:
    """(number digits, client id) for every recipient of a send request, as the provider reads it."""
    text = body.decode("utf-8", "replace")
    if slot == "aspsms":
        data = json.loads(text or "{}")
        listed = data.get("Recipients") or []
        items = _split(listed) if isinstance(listed, str) else [str(x) for x in listed]
        return [(_digits(n.partition(":")[0]), n.partition(":")[2]) for n in items]
    query = target.partition(b"?")[2].decode("utf-8", "replace")
    form = {**parse_qs(query), **parse_qs(text)}
    if slot == "allmysms":
        flow = json.loads((form.get("smsData") or ["{}"])[0]).get("DATA", {})
        ref = str(flow.get("CLIMSGID") or "")
        return [(_digits(str(sms.get("MOBILEPHONE", ""))), ref) for sms in flow.get("SMS", [])]
    if slot == "playsms":
        return [(_digits(n), "") for n in _split((form.get("to") or [""])[0])]
    ref = (form.get("id") or [""])[0]
    return [(_digits(n), ref) for n in _split((form.get("numbers") or [""])[0])]


def _fault_reply(slot: str, target: bytes, fault: int) -> bytes:
    """A refusal that means "nothing taken", in the provider's format."""
    if fault == _ERROR:
        body = b"" if slot == "playsms" else _ERROR_PAGE  # playSMS really answers 500 with an empty body
        return _response(body, _HTML, b"500 Internal Server Error")
    if slot == "jormall":
        text = b"Connection Failed, please try again"
        if b"SMSService.asmx" in target:
            return _response(_ASMX_TEXT % text, _XML)
        return _response(text, _HTML)
    if slot == "aspsms":
        return _response(b'{"StatusCode":"24","StatusInfo":"Service temporarily unavailable"}', _JSON)
    return _response(b"", b"text/plain", b"429 Too Many Requests")


def _serve(shared: _Shared, index: int, port: int, journal: str | None = None, log_dir: str | None = None) -> None:
    """A server process: one event loop on the shared port until the parent terminates it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd = None
    if journal is not None:
        fd = os.open(Path(journal) / f"journal-{index}.tsv", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    server = _Server(shared, index, fd, log_dir)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(512)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server.loop = loop
        srv = await loop.create_server(lambda: _Handler(server), sock=sock)
        with shared.ready.get_lock():
            shared.ready.value += 1
        async with srv:
            await srv.serve_forever()

    asyncio.run(main())


class StandIn:
    """The stand-in server: ``procs`` processes on one loopback port.

    >>> with StandIn() as server:
    ...     url = f"aspsms://key:pass@{server.host_port}?plain_http=yes"
    """

    def __init__(
        self, procs: int = 1, *, journal: str | os.PathLike[str] | None = None, log_dir: str | None = None
    ) -> None:
        self.procs = max(1, procs)
        self.log_dir = log_dir
        ctx = multiprocessing.get_context("spawn")
        self._shared = _Shared(ctx, self.procs)
        self._ctx = ctx
        self._processes: list[Any] = []
        self.port = 0
        self.journal = None if journal is None else Path(journal)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> StandIn:
        if self.journal is not None:
            self.journal.mkdir(parents=True, exist_ok=True)
        reserve = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        reserve.bind(("127.0.0.1", 0))  # held (not listening) until the servers listen
        self.port = reserve.getsockname()[1]
        journal = None if self.journal is None else str(self.journal)
        try:
            for index in range(self.procs):
                process = self._ctx.Process(
                    target=_serve,
                    args=(self._shared, index, self.port, journal, self.log_dir),
                    daemon=True,
                    name=f"standin-{index}",
                )
                process.start()
                self._processes.append(process)
            deadline = time.monotonic() + 30
            while self._shared.ready.value < self.procs:
                if time.monotonic() > deadline or any(not p.is_alive() for p in self._processes):
                    self.__exit__()
                    raise RuntimeError("the stand-in server did not start")
                time.sleep(0.02)
        finally:
            reserve.close()
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(timeout=5)
        self._processes = []

    # ------------------------------------------------------------------ control

    def counts(self) -> dict[str, int]:
        """Requests per slot, summed over the server processes."""
        raw = self._shared.counters[:]
        n = len(SLOTS)
        return {name: sum(raw[p * n + i] for p in range(self.procs)) for i, name in enumerate(SLOTS)}

    def delta(self, before: dict[str, int]) -> dict[str, int]:
        now = self.counts()
        return {k: now[k] - before.get(k, 0) for k in now}

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by ``seconds`` (the connection stays free for nothing else)."""
        self._shared.latency_us.value = int(seconds * 1e6)

    def capture(self, send: Callable[[], object], timeout: float = 10.0) -> bytes:
        """Run ``send`` with capture armed; return the raw bytes of its first send request."""
        shared = self._shared
        shared.capture_len.value = -1
        with shared.claim:
            shared.armed.value = 1
        send()
        deadline = time.monotonic() + timeout
        while shared.capture_len.value < 0:
            if time.monotonic() > deadline:
                raise RuntimeError("no send request reached the stand-in server")
            time.sleep(0.001)
        with shared.claim:
            shared.armed.value = 0
        return bytes(shared.capture[: shared.capture_len.value])

    def round_trips(self, request: bytes, count: int) -> float:
        """Seconds per round trip of ``request`` over one raw keep-alive socket: the server's floor.

        No HTTP library on the client side, so this is (nearly) all server and loopback time:
        it shows how much of a measured request the stand-in itself accounts for.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            start = time.perf_counter()
            for _ in range(count):
                sock.sendall(request)
                data = b""
                while True:
                    end = data.find(b"\r\n\r\n")
                    if end >= 0:
                        at = data.find(b"Content-Length: ", 0, end)
                        stop = data.find(b"\r\n", at)
                        if len(data) >= end + 4 + int(data[at + 16 : stop]):
                            break
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise RuntimeError("the stand-in server closed the connection")
                    data += chunk
            return (time.perf_counter() - start) / count

    # ------------------------------------------------------------------ counting mode

    def set_faults(self, *, seed: int = 0, **rates: float) -> None:
        """Answer send requests with faults at these rates (``reset=0.01, busy=0.02``; see ``FAULTS``).

        Drawn by a ``random.Random`` seeded with ``seed`` (and the process index): the same seed
        gives the same sequence of faults for the same sequence of requests.  No rates: none.
        """
        self._need_journal()
        unknown = set(rates) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {', '.join(FAULTS)}")
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        shared = self._shared
        shared.seed.value = seed
        for i, name in enumerate(FAULTS):
            shared.rates[i] = int(rates.get(name, 0.0) * _PER_MILLION)

    def script_faults(self, faults: list[str | None]) -> None:
        """Answer the next send requests in this order (``None``: normally), before any rate applies."""
        self._need_journal()
        if len(faults) > _SCRIPT_MAX:
            raise ValueError(f"a fault script holds at most {_SCRIPT_MAX} entries")
        codes = [0 if f is None else FAULTS.index(f) + 1 for f in faults]
        shared = self._shared
        with shared.claim:
            shared.script_len.value = 0
            shared.script[: len(codes)] = codes
            shared.script_pos.value = 0
            shared.script_len.value = len(codes)

    def taken(self) -> int:
        """Recipients taken so far (each one an SMS that goes out)."""
        return self.counts()["taken"]

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every connection to the server is closed: the journal is then complete.

        Call it after the clients are gone (a killed client's last request may still be in the
        server's socket buffer when the kill returns).
        """
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts()
            if counts["connections"] == counts["closed"]:
                return
            if time.monotonic() > deadline:
                still = counts["connections"] - counts["closed"]
                raise RuntimeError(f"{still} connection(s) to the stand-in stay open")
            time.sleep(0.01)

    def events(self) -> Iterator[Event]:
        """Every journal line so far, server process by server process."""
        folder = self._need_journal()
        for path in sorted(folder.glob("journal-*.tsv")):
            with path.open(encoding="ascii") as fh:
                for line in fh:
                    kind, slot, number, ref = line.rstrip("\n").split("\t")
                    yield Event(kind, slot, number, ref)

    def received(self, kind: str = "taken") -> Counter[str]:
        """How many times each number (digits) was ``kind`` (taken: received an SMS)."""
        return Counter(e.number for e in self.events() if e.kind == kind)

    def _need_journal(self) -> Path:
        if self.journal is None:
            raise RuntimeError("counting mode needs StandIn(journal=folder)")
        return self.journal
