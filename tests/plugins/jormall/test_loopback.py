"""End to end through the real transport against a JorMall stand-in on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import xmltodict

from smsbridge.client import connect
from smsbridge.errors import AuthenticationError, Outcome, UnreadableReplyError

from .support import ACCNAME, ACCPASS, url

ARABIC = "رمز التحقق & <4821> ]]>"


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]]
    tokens: list[str]  # GenerateToken answers these in turn, then loop-token-1

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        self.seen.append(
            {
                "method": self.command,
                "path": parts.path,
                "query": parse_qs(parts.query),
                "form": parse_qs(body),
                "authorization": self.headers.get("Authorization"),
            }
        )
        if parts.path.startswith("/elsewhere/"):
            status, ctype, text = 404, "text/html", "<html><body>Not Found</body></html>"
        elif parts.path.endswith("GenerateToken.cfm"):
            token = self.tokens.pop(0) if self.tokens else "loop-token-1"
            status, ctype, text = 200, "text/html; charset=UTF-8", f"\r\nBearer {token}\r\n"
        elif parts.path.endswith("/SendSMS"):
            status, ctype = 200, "text/xml; charset=utf-8"
            text = (
                '<?xml version="1.0" encoding="utf-8"?>\r\n<string xmlns="http://tempuri.org/">\r\nMsgID = 77</string>'
            )
        elif parts.path.endswith("GetBalance"):
            status, ctype, text = 200, "application/json; charset=utf-8", '"9994"'
        else:
            status, ctype, text = 404, "text/html", "<html><body>Not Found</body></html>"
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def tokens() -> list[str]:
    return []


@pytest.fixture
def server(tokens: list[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("Handler", (_Handler,), {"seen": seen, "tokens": tokens})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_single_send_over_http(server: tuple[str, list[dict[str, Any]]]) -> None:
    host, seen = server
    with connect(url(host, plain_http="yes")) as account:
        result = account.send("0791234567", ARABIC, client_ref="loop-ref")
    assert result.receipts[0].message_id == "77"
    token, send = seen
    assert token["query"] == {"accname": [ACCNAME], "accpass": [ACCPASS]}
    assert send["method"] == "POST"
    assert send["form"] == {"senderid": ["MyShop"], "numbers": ["962791234567"], "msg": [ARABIC], "id": ["loop-ref"]}
    assert send["authorization"] == "Bearer loop-token-1"


def test_msgs_form_over_http(server: tuple[str, list[dict[str, Any]]]) -> None:
    host, seen = server
    people = [{"to": "+962791234567", "t": ARABIC}, {"to": "+962781234567", "t": "line\r\nbreak"}]
    with connect(url(host, plain_http="yes", gateway="general")) as account:
        summary = account.bulk_send(people, "{t}")
    assert summary.accepted == 2
    msgs = seen[1]["form"]["msgs"][0]
    assert seen[1]["path"].endswith("/SingleSMS_General3/SMSService.asmx/SendSMS")
    bodies = [m["SMS_BODY"] for m in xmltodict.parse(msgs, strip_whitespace=False)["DocumentElement"]["msg"]]
    assert bodies == [ARABIC, "line\r\nbreak"]


def test_balance_and_unknown_path_over_http(server: tuple[str, list[dict[str, Any]]]) -> None:
    host, seen = server
    with connect(url(host, plain_http="yes")) as account:
        assert str(account.balance().amount) == "9994"
    elsewhere = url(f"{host}/elsewhere", plain_http="yes", auth="password")
    with connect(elsewhere) as account, pytest.raises(UnreadableReplyError) as info:
        account.send("0791234567", "hello")
    assert info.value.http_status == 404
    assert seen[-1]["path"] == "/elsewhere/SMSServices/Clients/Prof/RestSingleSMS/SendSMS"
    assert ACCPASS not in str(info.value)


@pytest.mark.parametrize("tokens", [["tök①"]])
def test_a_token_no_header_can_carry_fails_one_send_only(
    server: tuple[str, list[dict[str, Any]]], tokens: list[str]
) -> None:
    """GenerateToken answering ``Bearer tök①``: a typed error, and the next send fetches anew."""
    host, seen = server
    with connect(url(host, plain_http="yes")) as account:
        with pytest.raises(AuthenticationError) as info:
            account.send("0791234567", "hello")
        assert info.value.outcome is Outcome.NOT_SENT
        assert [s["path"].rsplit("/", 1)[1] for s in seen] == ["GenerateToken.cfm"]
        assert account.send("0791234567", "hello").receipts[0].message_id == "77"
    assert seen[-1]["authorization"] == "Bearer loop-token-1"
