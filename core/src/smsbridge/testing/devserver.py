"""``smsbridge dev`` in a host application's tests: a background emulator and a REST client.

::

    def test_signup_sends_a_code(smsbridge_dev):
        app.config["SMS_URL"] = smsbridge_dev.account_url("aspsms")
        app.signup("+61491570156")
        (message,) = smsbridge_dev.wait_for_messages(1)
        assert "code" in message["text"]

The ``smsbridge_dev`` fixture (``smsbridge.testing.pytest_plugin``) starts one emulator per
test session on a free port of 127.0.0.1 and empties it (messages, inbound, fault rules,
settings) before each test.  Needs ``smsbridge[devserver]`` (aiohttp).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DevServerClient", "start_dev_server"]

#: the browser that tests of the inbox drive with Playwright (Debian's chromium package; never
#: ``playwright install``), and the flags a closed network and a root user need
CHROMIUM = os.environ.get("SMSBRIDGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


T = TypeVar("T")
_TIMEOUT = (5.0, 10.0)  # connect, read: every call to the emulator has both


class DevServerClient:
    """The emulator's REST API (``/api/v1``) with a few waiting helpers."""

    def __init__(self, base_url: str, host_port: str) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.host_port = host_port
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, f"{self.base_url}/api/v1{path}", timeout=_TIMEOUT, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} /api/v1{path}: HTTP {response.status_code}: {response.text}")
        return response.json()

    # ------------------------------------------------------------------ accounts

    def account_url(self, provider: str, login: str = "devuser", password: str = "devpass123") -> str:
        """An account URL for ``provider`` pointing at this emulator (the profile's example URL)."""
        for item in self.providers()["providers"]:
            if item["id"] == provider:
                url = str(item["example_url"])
                scheme, rest = url.split("://", 1)
                _, at, tail = rest.partition("@")
                return f"{scheme}://{login}:{password}@{tail}" if at else url
        raise KeyError(f"no emulator profile for provider {provider!r}")

    # ------------------------------------------------------------------ REST

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        params = {k: v for k, v in filters.items() if v is not None}
        return list(self._call("GET", "/messages", params=params)["messages"])

    def message(self, ident: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/messages/{ident}"))

    def clear(self) -> None:
        self._call("DELETE", "/messages")

    def threads(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/threads")["threads"])

    def report(self, ident: int, status: str, number: str | None = None) -> dict[str, Any]:
        return dict(self._call("POST", f"/messages/{ident}/report", json={"number": number, "status": status}))

    def inbound(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/inbound")["inbound"])

    def add_inbound(self, provider: str, sender: str, text: str, to: str | None = None) -> dict[str, Any]:
        return dict(
            self._call("POST", "/inbound", json={"provider": provider, "sender": sender, "to": to, "text": text})
        )

    def clear_inbound(self) -> None:
        self._call("DELETE", "/inbound")

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults")["rules"])

    def add_fault(self, kind: str, **rule: Any) -> dict[str, Any]:
        return dict(self._call("POST", "/faults", json={"kind": kind, **rule}))

    def delete_fault(self, ident: int) -> None:
        self._call("DELETE", f"/faults/{ident}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def providers(self) -> dict[str, Any]:
        return dict(self._call("GET", "/providers"))

    def settings(self) -> dict[str, Any]:
        return dict(self._call("GET", "/settings"))

    def update_settings(self, **settings: Any) -> dict[str, Any]:
        return dict(self._call("PUT", "/settings", json=settings))

    def callbacks(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/callbacks")["callbacks"])

    # ------------------------------------------------------------------ waiting

    def wait_until(self, probe: Callable[[], T | None], timeout: float = 10.0, what: str = "the condition") -> T:
        """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"smsbridge dev: {what} did not happen within {timeout:g} s")
            time.sleep(0.02)

    def wait_for_messages(self, count: int, timeout: float = 10.0, **filters: Any) -> list[dict[str, Any]]:
        """The newest ``count`` messages once at least that many were received (newest first)."""

        def probe() -> list[dict[str, Any]] | None:
            found = self.messages(limit=max(count, 1), **filters)
            return found if len(found) >= count else None

        return self.wait_until(probe, timeout, f"{count} message(s)")

    def wait_for_status(
        self, ident: int, status: str, number: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The message once its recipient (or every recipient) has ``status``."""

        def probe() -> dict[str, Any] | None:
            message = self.message(ident)
            recipients = [r for r in message["recipients"] if number is None or r["number"] == number]
            return message if recipients and all(r["status"] == status for r in recipients) else None

        return self.wait_until(probe, timeout, f"status {status} of message {ident}")

    def reset(self) -> None:
        """Empty the emulator: messages, inbound messages, fault rules; default settings."""
        self.clear_faults()
        self.clear()
        self.clear_inbound()
        self.update_settings(report_url=None, inbound_url=None, report_delay=0.5)


def start_dev_server(**options: Any) -> tuple[Any, DevServerClient]:
    """Start an emulator in a background thread: (the server, to ``stop()``; a REST client)."""
    try:
        from smsbridge.devserver.runner import BackgroundDevServer
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("the smsbridge dev emulator needs aiohttp: pip install 'smsbridge[devserver]'") from exc
    server = BackgroundDevServer(**options).start()
    return server, DevServerClient(server.url, server.host_port)
