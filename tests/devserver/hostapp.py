"""A tiny host application for the end-to-end tests of ``smsbridge dev``.

It does what a real one does with smsbridge: sends through an account URL, polls delivery
status, and runs a receiver (WSGI, on a free port of 127.0.0.1) where the provider's callbacks
arrive: delivery reports go through ``account.parse_callback``, received messages through
``account.parse_inbound_callback``, each with the provider's own parser.  Routes:
``/reports/<provider>`` and ``/inbound/<provider>``; the receiver answers an empty 200.

Reused by the browser test (tests/devserver/browser/), which adds the inbox check.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from smsbridge.models import CallbackRequest, DeliveryReport, InboundMessage

__all__ = ["HostApp"]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in values.items() if v}


def callback_request(environ: dict[str, Any]) -> CallbackRequest:
    """The WSGI request as the ``CallbackRequest`` a plugin's parser reads."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    query_string = environ.get("QUERY_STRING", "")
    form: dict[str, str] = {}
    if "application/x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        form = _first(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    path = environ.get("PATH_INFO", "/")
    return CallbackRequest(
        method=environ["REQUEST_METHOD"],
        query=_first(parse_qs(query_string, keep_blank_values=True)),
        form=form,
        body=body,
        headers=headers,
        path=path,
        target=path + (f"?{query_string}" if query_string else ""),
    )


class HostApp:
    """The host application: its accounts (provider id -> account) and what it received."""

    def __init__(self, accounts: dict[str, Any] | None = None) -> None:
        self.accounts: dict[str, Any] = dict(accounts or {})
        self.reports: list[DeliveryReport] = []
        self.inbound: list[InboundMessage] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ------------------------------------------------------------------ the receiver

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        parts = environ.get("PATH_INFO", "/").strip("/").split("/")
        account = self.accounts.get(parts[1]) if len(parts) == 2 else None
        if account is None or parts[0] not in ("reports", "inbound"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        request = callback_request(environ)
        try:
            if parts[0] == "reports":
                reports = account.parse_callback(request)
                with self._lock:
                    self.reports.extend(reports)
            else:
                messages = account.parse_inbound_callback(request)
                with self._lock:
                    self.inbound.extend(messages)
        except Exception as exc:  # the test reads these: a callback the parser refused
            with self._lock:
                self.errors.append(f"{parts[1]}: {type(exc).__name__}: {exc}")
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"unreadable callback"]
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def start(self) -> HostApp:
        self._server = make_server("127.0.0.1", 0, self.wsgi, server_class=_Server, handler_class=_QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostapp", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HostApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ waiting

    def wait_for_report(self, message_id: str, timeout: float = 10.0) -> DeliveryReport:
        """The first report received for ``message_id``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [r for r in self.reports if r.message_id == message_id]
                if found:
                    return found[-1]
                if self.errors:
                    raise AssertionError(f"the host app refused a callback: {self.errors}")
            time.sleep(0.02)
        raise AssertionError(f"no delivery report for {message_id} within {timeout:g} s (got {self.reports})")

    def wait_for_inbound(self, count: int = 1, timeout: float = 10.0) -> list[InboundMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.inbound) >= count:
                    return list(self.inbound)
                if self.errors:
                    raise AssertionError(f"the host app refused a callback: {self.errors}")
            time.sleep(0.02)
        raise AssertionError(f"{count} received message(s) did not arrive within {timeout:g} s")
