"""Dev server figures: ``.venv/bin/python benchmarks/devserver.py [--quick]``.

``smsbridge dev`` (docs/dev-server.md) runs as its own process on 127.0.0.1, as a developer
starts it, and is measured three ways:

1. **start**: from spawning ``smsbridge dev --port P`` to its first HTTP answer (the REST
   API's ``/api/v1/providers`` and the inbox page ``/``), a fresh process each round (goal
   < 1 s);
2. **send to visible**: the inbox open in headless chromium (Debian's, driven by
   Playwright); one message at a time sent through a real smsbridge account of each
   emulated provider in turn; per message, from just before ``account.send()`` to (a) the
   Server-Sent Event reaching the page (the inbox's own ``EventSource`` listener, wrapped),
   (b) its bubble being inserted in the page's DOM (a ``MutationObserver``), (c) the next
   animation frame after that (the frame that paints it).  The goal (< 200 ms) is read
   on (b).  Both clocks are the host's wall clock (``time.time()`` and ``Date.now()``, 1 ms);
3. **throughput**: concurrent clients (processes x threads, each thread its own account,
   the providers spread over them) sending single messages as fast as they can: messages
   accepted per second of wall time, counted by the clients and checked against the
   server's own store (goal >= 500/s).  Run twice: with the inbox open in the browser (every
   message and its delivery report pushed to it) and with no page open.  A bulk send
   (ASPSMS, 1,000 recipients a request) is shown for scale.

Results go to ``benchmarks/results/devserver.json`` (``--quick``: a small run to /tmp).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe  # noqa: E402
from smsbridge.testing.devserver import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

__all__ = ["main", "run"]

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "devserver.json"
QUICK_OUTPUT = Path("/tmp/smsbridge-bench-devserver-quick.json")
# a number each provider takes (JorMall: Jordanian mobiles only); none of them is magic
NUMBERS = {
    "jormall": "+962791234567",
    "aspsms": "+41791234567",
    "server2sms": "+41781234567",
    "allmysms": "+33612345678",
    "playsms": "+211921234567",
    "junubsms": "+211921234567",
}
MAIN_PROVIDERS = ("jormall", "aspsms", "playsms", "allmysms")
#: JorMall needs a sender id; playSMS takes its own
SENDERS = {"jormall": "Shop", "aspsms": "Shop", "server2sms": "Shop", "allmysms": "Shop"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _smsbridge() -> list[str]:
    """The command a developer runs: the ``smsbridge`` script beside this interpreter."""
    script = Path(sys.executable).parent / "smsbridge"
    return [str(script)] if script.exists() else [sys.executable, "-m", "smsbridge.cli"]


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def _api(base: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base}/api/v1{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p90": round(_pct(values, 0.9), 1),
        "max": round(max(values), 1),
        "min": round(min(values), 1),
    }


class DevProcess:
    """``smsbridge dev`` in a process of its own; stopped with Ctrl-C (SIGINT), as a developer would."""

    def __init__(self, *args: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.spawned = time.perf_counter()
        self.process = subprocess.Popen(
            [*_smsbridge(), "dev", "--port", str(self.port), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_answering(self, path: str = "/api/v1/providers", limit: float = 30.0) -> float:
        """Seconds from spawning until ``path`` answers 200."""
        deadline = self.spawned + limit
        while True:
            try:
                status, _ = _get(self.base + path, timeout=1.0)
                if status == 200:
                    return time.perf_counter() - self.spawned
            except OSError:
                pass
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"smsbridge dev exited ({self.process.returncode}): {err}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"smsbridge dev did not answer {path} within {limit} s")
            time.sleep(0.002)

    def cpu_seconds(self) -> float:
        """The server process's CPU time so far (user + system), from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)

    def __enter__(self) -> DevProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def account_url(base: str, provider: str, user: str = "bench-user", password: str = "bench-pass-123") -> str:
    examples = {p["id"]: p["example_url"] for p in _api(base, "GET", "/providers")["providers"]}
    parts = urlsplit(examples[provider])
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _providers(base: str) -> list[str]:
    offered = [p["id"] for p in _api(base, "GET", "/providers")["providers"]]
    return [p for p in MAIN_PROVIDERS if p in offered] or [p for p in offered if p in NUMBERS]


def _descendants_cpu(root: int) -> float:
    """CPU seconds (user + system) of every living process below ``root`` (here: the browser's)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total = 0.0
    for pid, cpu in times.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root and pid != root:
            total += cpu
    return total


# ---------------------------------------------------------------------------- 1. start


def measure_start(rounds: int) -> dict[str, Any]:
    api_times, page_times = [], []
    for _ in range(rounds):
        with DevProcess() as dev:
            api_times.append(dev.wait_answering("/api/v1/providers") * 1000)
            page_times.append(dev.wait_answering("/") * 1000)
    python_pass = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python_pass.append((time.perf_counter() - t) * 1000)
    return {
        "rounds": rounds,
        "api_ms": _summary(api_times),
        "page_ms": _summary(page_times),
        "python_c_pass_ms": _summary(python_pass),
        "command": " ".join([Path(_smsbridge()[0]).name, "dev", "--port", "P"]),
    }


# ---------------------------------------------------------------------------- 2. send to visible

_INSTRUMENT = """(() => {
  // before the inbox's own scripts: its EventSource's "message" listener and its DOM are watched
  const seen = { sse: {}, dom: {}, frame: {} };
  window.__bench = seen;
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'message') return add.call(this, type, listener, options);
    const timed = (event) => {
      seen.sse[JSON.parse(event.data).text] ??= Date.now();
      return listener.call(this, event);
    };
    return add.call(this, type, timed, options);
  };
  new MutationObserver((mutations) => {
    const now = Date.now();
    for (const mutation of mutations) for (const node of mutation.addedNodes) {
      if (node.nodeType !== 1) continue;
      const items = node.matches('li.out') ? [node] : node.querySelectorAll('li.out');
      for (const item of items) {
        const text = item.querySelector('.text')?.textContent;
        if (text && !(text in seen.dom)) {
          seen.dom[text] = now;
          requestAnimationFrame(() => { seen.frame[text] = Date.now(); });
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();"""


def _launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def measure_visible(count: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    import smsbridge

    sse, dom, frame, send_ms = [], [], [], []
    by_provider: dict[str, list[float]] = {}
    with DevProcess() as dev, sync_playwright() as playwright:
        dev.wait_answering()
        browser = _launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.add_init_script(_INSTRUMENT)
            page.goto(dev.base + "/")
            page.get_by_role("status").filter(has_text="Live").wait_for()
            providers = _providers(dev.base)
            accounts = {p: smsbridge.connect(account_url(dev.base, p)) for p in providers}
            try:
                for i in range(count):
                    provider = providers[i % len(providers)]
                    text = f"visible {i} {uuid.uuid4().hex[:8]}"
                    started = time.time() * 1000
                    result = accounts[provider].send(NUMBERS[provider], text, sender=SENDERS.get(provider))
                    returned = time.time() * 1000
                    assert result.accepted, result
                    page.wait_for_function(f"window.__bench.frame[{json.dumps(text)}] !== undefined", timeout=10_000)
                    seen = page.evaluate(
                        "(t) => [window.__bench.sse[t], window.__bench.dom[t], window.__bench.frame[t]]", text
                    )
                    sse.append(seen[0] - started)
                    dom.append(seen[1] - started)
                    frame.append(seen[2] - started)
                    send_ms.append(returned - started)
                    by_provider.setdefault(provider, []).append(seen[1] - started)
                    time.sleep(0.05)
            finally:
                for account in accounts.values():
                    account.close()
        finally:
            browser.close()
    return {
        "messages": count,
        "providers": providers,
        "send_returned_ms": _summary(send_ms),
        "sse_event_ms": _summary(sse),
        "dom_inserted_ms": _summary(dom),
        "next_frame_ms": _summary(frame),
        "dom_inserted_by_provider_ms": {p: _summary(v) for p, v in by_provider.items()},
        "measured_on": "dom_inserted (MutationObserver in the inbox page)",
    }


# ---------------------------------------------------------------------------- 3. throughput


def _client(base: str, providers: list[str], threads: int, per_thread: int, start_at: float) -> dict[str, Any]:
    """One client process: ``threads`` threads, each its own account, single sends from ``start_at``."""
    import smsbridge

    accepted = rejected = errors = 0
    lock = threading.Lock()
    accounts = [
        smsbridge.connect(account_url(base, providers[i % len(providers)], user=f"client-{os.getpid()}-{i}"))
        for i in range(threads)
    ]

    def work(i: int) -> None:
        nonlocal accepted, rejected, errors
        account = accounts[i]
        provider = providers[i % len(providers)]
        number, sender = NUMBERS[provider], SENDERS.get(provider)
        a = r = e = 0
        for n in range(per_thread):
            try:
                result = account.send(number, f"load {os.getpid()} {i} {n}", sender=sender)
                a += len(result.accepted)
                r += len(result.receipts) - len(result.accepted)
            except Exception:
                e += 1
        with lock:
            accepted += a
            rejected += r
            errors += e

    while time.time() < start_at:
        time.sleep(0.001)
    began = time.time()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ended = time.time()
    for account in accounts:
        account.close()
    return {"accepted": accepted, "rejected": rejected, "errors": errors, "began": began, "ended": ended}


def _load(dev: DevProcess, processes: int, threads: int, total: int) -> dict[str, Any]:
    base = dev.base
    providers = _providers(base)
    per_thread = max(1, total // (processes * threads))
    start_at = time.time() + 3.0  # every process has imported smsbridge and opened its accounts by then
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(_client, base, providers[k:] + providers[:k], threads, per_thread, start_at)
            for k in range(processes)
        ]
        while time.time() < start_at:
            time.sleep(0.001)
        cpu_before = dev.cpu_seconds()
        parts = [f.result() for f in futures]
        server_cpu = dev.cpu_seconds() - cpu_before
    began = min(p["began"] for p in parts)
    ended = max(p["ended"] for p in parts)
    accepted = sum(p["accepted"] for p in parts)
    kept = _count_kept(base)
    return {
        "processes": processes,
        "threads_each": threads,
        "providers": providers,
        "sent": per_thread * processes * threads,
        "accepted": accepted,
        "rejected": sum(p["rejected"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
        "seconds": round(ended - began, 3),
        "accepted_per_second": round(accepted / (ended - began), 1),
        "messages_kept_by_server": kept,
        # the server's own CPU per message accepted: what one core of it can take, clients elsewhere
        "server_cpu_seconds": round(server_cpu, 3),
        "server_cpu_ms_per_message": round(server_cpu * 1000 / max(accepted, 1), 3),
        "server_capacity_per_core_per_second": round(accepted / server_cpu, 1) if server_cpu else None,
    }


def _count_kept(base: str) -> int:
    """How many messages the server's store holds (paged through the REST API)."""
    count, before = 0, None
    while True:
        page = _api(base, "GET", f"/messages?limit=1000{'' if before is None else f'&before={before}'}")["messages"]
        if not page:
            return count
        count += len(page)
        before = page[-1]["id"]


REF = "BENCHREF000000"


def _capture(base: str, provider: str) -> tuple[str, str, dict[str, str], bytes]:
    """The send request smsbridge makes for ``provider`` (method, URL, headers, body), as it left."""
    import requests.adapters

    import smsbridge

    captured: list[Any] = []
    original = requests.adapters.HTTPAdapter.send

    def spy(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        captured.append(request)
        return original(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = spy  # type: ignore[method-assign]
    try:
        with smsbridge.connect(account_url(base, provider, user="raw-client")) as account:
            account.send(NUMBERS[provider], "Your code is 4242", sender=SENDERS.get(provider), client_ref=REF)
    finally:
        requests.adapters.HTTPAdapter.send = original  # type: ignore[method-assign]
    last = captured[-1]  # the send itself (JorMall asks for a token first)
    body = last.body or b""
    headers = {k: v for k, v in last.headers.items() if k.lower() not in ("content-length", "host", "connection")}
    return last.method, last.url, headers, body.encode() if isinstance(body, str) else body


async def _replay(requests_list: list[tuple[str, str, dict[str, str], bytes]], connections: int) -> dict[str, Any]:
    import aiohttp

    statuses: dict[int, int] = {}
    queue = list(reversed(requests_list))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:

        async def worker() -> None:
            while queue:
                method, url, headers, body = queue.pop()
                async with session.request(method, url, headers=headers, data=body) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        seconds = time.perf_counter() - started
    return {"statuses": {str(k): v for k, v in statuses.items()}, "seconds": seconds}


def _raw_load(dev: DevProcess, total: int, connections: int) -> dict[str, Any]:
    """The server alone: smsbridge's own send requests replayed by a light asyncio client."""
    providers = _providers(dev.base)
    templates = {p: _capture(dev.base, p) for p in providers}
    _api(dev.base, "DELETE", "/messages")
    work = []
    for n in range(total):
        method, url, headers, body = templates[providers[n % len(providers)]]
        ref = f"BENCHREF{n + 1:06d}"  # 0 was the captured send's: JorMall would ignore it as a duplicate
        work.append((method, url.replace(REF, ref), headers, body.replace(REF.encode(), ref.encode())))
    cpu_before = dev.cpu_seconds()
    outcome = asyncio.run(_replay(work, connections))
    server_cpu = dev.cpu_seconds() - cpu_before
    kept = _count_kept(dev.base)
    return {
        "client": f"aiohttp client, {connections} keep-alive connections, one process",
        "providers": providers,
        "requests": total,
        "statuses": outcome["statuses"],
        "seconds": round(outcome["seconds"], 3),
        "accepted": kept,
        "accepted_per_second": round(kept / outcome["seconds"], 1),
        "messages_kept_by_server": kept,
        "server_cpu_ms_per_message": round(server_cpu * 1000 / max(kept, 1), 3),
    }


def _bulk(base: str, recipients: int) -> dict[str, Any]:
    import smsbridge

    numbers = [f"+4179{i:07d}" for i in range(recipients)]
    with smsbridge.connect(account_url(base, "aspsms", user="bulk-client")) as account:
        started = time.perf_counter()
        summary = account.bulk_send(numbers, "Spring sale!", ledger=False, keep_receipts=False)
        seconds = time.perf_counter() - started
    return {
        "recipients": recipients,
        "accepted": summary.accepted,
        "requests": summary.requests,
        "seconds": round(seconds, 3),
        "accepted_per_second": round(summary.accepted / seconds, 1),
    }


def measure_throughput(processes: int, threads: int, total: int, bulk: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with DevProcess("--max-messages", str(total * 3 + bulk + 10)) as dev:
        dev.wait_answering()
        out["without_browser"] = _load(dev, processes, threads, total)
        _api(dev.base, "DELETE", "/messages")
        with sync_playwright() as playwright:
            browser = _launch(playwright)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(dev.base + "/")
                page.get_by_role("status").filter(has_text="Live").wait_for()
                browser_before = _descendants_cpu(os.getpid()) - dev.cpu_seconds()
                out["with_inbox_open"] = _load(dev, processes, threads, total)
                # the page kept up: it shows the newest message once the load is over
                newest = _api(dev.base, "GET", "/messages?limit=1")["messages"][0]["text"]
                page.locator("li.out", has_text=newest).wait_for(timeout=120_000)
                out["with_inbox_open"]["page_caught_up"] = True
                # the browser's CPU (every chromium process) for the load and catching up, per message
                browser_cpu = _descendants_cpu(os.getpid()) - dev.cpu_seconds() - browser_before
                out["with_inbox_open"]["browser_cpu_ms_per_message"] = round(
                    browser_cpu * 1000 / max(out["with_inbox_open"]["accepted"], 1), 3
                )
            finally:
                browser.close()
        _api(dev.base, "DELETE", "/messages")
        out["server_alone"] = _raw_load(dev, total, 32)
        _api(dev.base, "DELETE", "/messages")
        if "aspsms" in _providers(dev.base):
            out["bulk_aspsms"] = _bulk(dev.base, bulk)
    return out


# ---------------------------------------------------------------------------- the run


def run(*, quick: bool, output: Path | None = None, processes: int = 2, threads: int = 8) -> dict[str, Any]:
    sizes = (
        {"start_rounds": 3, "visible": 12, "load": 400, "bulk": 2000}
        if quick
        else {
            "start_rounds": 10,
            "visible": 60,
            "load": 6000,
            "bulk": 10_000,
        }
    )
    results: dict[str, Any] = {
        "schema": 1,
        "quick": quick,
        "machine": describe(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "server": "smsbridge dev (aiohttp), its own process on 127.0.0.1, store in memory (SQLite)",
        "browser": CHROMIUM,
    }
    results["start"] = measure_start(sizes["start_rounds"])
    results["visible"] = measure_visible(sizes["visible"])
    results["throughput"] = measure_throughput(processes, threads, sizes["load"], sizes["bulk"])
    load = results["throughput"]
    results["goals"] = {
        "start_under_1s": results["start"]["api_ms"]["p50"] < 1000,
        "visible_under_200ms": results["visible"]["dom_inserted_ms"]["p50"] < 200,
        "visible_p90_under_200ms": results["visible"]["dom_inserted_ms"]["p90"] < 200,
        "accepted_500_per_s_with_inbox_open": load["with_inbox_open"]["accepted_per_second"] >= 500,
        "accepted_500_per_s_without_browser": load["without_browser"]["accepted_per_second"] >= 500,
        "every_send_kept": all(
            load[k]["messages_kept_by_server"] == load[k]["accepted"] + load[k]["rejected"]
            for k in ("without_browser", "with_inbox_open")
        ),
    }
    target = output or (QUICK_OUTPUT if quick else DEFAULT_OUTPUT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small run (about 25 s), written to /tmp")
    parser.add_argument("--output", type=Path, help="where to write the JSON")
    parser.add_argument("--processes", type=int, default=2, help="client processes for the throughput (2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per client process, one account each (8)")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, output=args.output, processes=args.processes, threads=args.threads)
    start, visible, load = results["start"], results["visible"], results["throughput"]
    print(
        f"start: {start['api_ms']['p50']:.0f} ms to the first API answer (median of {start['rounds']}; "
        f"min {start['api_ms']['min']:.0f}, max {start['api_ms']['max']:.0f}); the inbox page "
        f"{start['page_ms']['p50']:.0f} ms; python -c pass {start['python_c_pass_ms']['p50']:.0f} ms"
    )
    for name in ("send_returned_ms", "sse_event_ms", "dom_inserted_ms", "next_frame_ms"):
        s = visible[name]
        print(f"send to {name[:-3]:<14} p50 {s['p50']:6.1f} ms  p90 {s['p90']:6.1f} ms  max {s['max']:6.1f} ms")
    for key in ("without_browser", "with_inbox_open"):
        r = load[key]
        print(
            f"throughput {key}: {r['accepted_per_second']:,.0f} accepted/s ({r['accepted']} of {r['sent']} in "
            f"{r['seconds']} s, {r['processes']}x{r['threads_each']} clients; errors {r['errors']}; "
            f"kept {r['messages_kept_by_server']}); server CPU {r['server_cpu_ms_per_message']} ms a message"
        )
    r = load["server_alone"]
    print(
        f"throughput server alone (smsbridge's requests replayed, {r['client']}): {r['accepted_per_second']:,.0f}"
        f" accepted/s ({r['accepted']} of {r['requests']}, statuses {r['statuses']}); server CPU"
        f" {r['server_cpu_ms_per_message']} ms a message"
    )
    if "bulk_aspsms" in load:
        b = load["bulk_aspsms"]
        print(f"bulk aspsms: {b['accepted']} recipients in {b['seconds']} s = {b['accepted_per_second']:,.0f}/s")
    print("goals: " + ", ".join(f"{k}={'ok' if v else 'NO'}" for k, v in results["goals"].items()))
    return 0 if all(results["goals"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
