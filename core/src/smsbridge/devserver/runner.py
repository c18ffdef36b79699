"""Running the dev server: in the foreground (``smsbridge dev``) or in a background thread (tests).

Both bind 127.0.0.1 only.  The background server owns an event loop in a daemon thread, so a
host application's synchronous tests can send through it and read its REST API.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from aiohttp import web

from smsbridge.devserver.app import DEFAULT_PORT, DevServer, build_app

__all__ = ["HOST", "BackgroundDevServer", "serve"]

HOST = "127.0.0.1"


async def _start(server: DevServer, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(build_app(server), handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port, reuse_address=True)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, int(bound)


def serve(port: int = DEFAULT_PORT, *, started: Callable[[int], None] | None = None, **options: Any) -> None:
    """Run until interrupted (Ctrl-C); ``started(port)`` is called once the port listens."""

    async def main() -> None:
        server = DevServer(**options)
        runner, bound = await _start(server, port)
        try:
            if started is not None:
                started(bound)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
            server.store.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


class BackgroundDevServer:
    """The dev server on a free (or given) port in a daemon thread; a context manager."""

    def __init__(self, port: int = 0, **options: Any) -> None:
        self.port = port
        self.options = options
        self.server: DevServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def host_port(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    def start(self) -> BackgroundDevServer:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self.server = DevServer(**self.options)
                self._runner, self.port = loop.run_until_complete(_start(self.server, self.port))
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            self.server.store.close()
            loop.close()

        self._thread = threading.Thread(target=run, name="smsbridge-dev", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        if not ready.is_set():
            raise RuntimeError("the smsbridge dev server did not start within 30 s")
        return self

    def call(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` on the server's loop and return its result (for state changes)."""
        assert self._loop is not None
        done = threading.Event()
        box: list[Any] = []

        def run() -> None:
            try:
                box.append((True, function()))
            except BaseException as exc:
                box.append((False, exc))
            done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(30)
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)
        self._thread = None

    def __enter__(self) -> BackgroundDevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
