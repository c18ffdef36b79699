"""Each benchmarked provider twice: through smsbridge, and as a hand-written ``requests`` loop.

The hand-written side is what a competent developer writes for that one provider without a
framework: a ``requests.Session``, the fields built by hand, ``session.post``/``get``, a
minimal check of the reply.  It sends exactly the bytes smsbridge sends (method, path, query,
body and headers, User-Agent included), so a ratio measures the framework and nothing else:
ids are deterministic on both sides (JorMall ``id`` via ``client_ref=``, ASPSMS TRNs via
``Recipient(number, reference=...)``), and the stand-in server's capture proves the identity
in every run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs
import requests

import smsbridge
from smsbridge.models import Recipient

__all__ = ["PROVIDERS", "Baseline", "Provider", "chunked"]

TEXT = "Your order 4711 has shipped"
SENDER = "Shop"
#: smsbridge's User-Agent: the baseline sends the same header so that the bytes match
USER_AGENT = f"smsbridge/{smsbridge.__version__} (+https://pypi.org/project/smsbridge/)"

_MSGID = re.compile(r"MsgID\s*=\s*(\d+)")


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Baseline:
    """A provider's hand-written client: one session, one method per request kind."""

    def __init__(self, host_port: str) -> None:
        self.base = f"http://{host_port}"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def single(self, number: str, ref: str) -> bool:
        raise NotImplementedError

    def bulk(self, numbers: list[str], refs: list[str]) -> int:
        """One request for ``numbers``; the number of recipients the reply accepts."""
        raise NotImplementedError

    def close(self) -> None:
        self.session.close()


class JorMallBaseline(Baseline):
    """Token routes: GenerateToken once, ASMX SendSMS (form POST), SendBulkMessages3.cfm (GET)."""

    def __init__(self, host_port: str) -> None:
        super().__init__(host_port)
        reply = self.session.get(
            self.base + "/sms/api/GenerateToken.cfm", params=[("accname", "bench"), ("accpass", "secret")]
        )
        token = next(line.strip() for line in reply.text.splitlines() if line.strip().startswith("Bearer "))
        self.auth = {"Authorization": token}

    def single(self, number: str, ref: str) -> bool:
        fields = [("senderid", SENDER), ("numbers", number.lstrip("+")), ("msg", TEXT), ("id", ref)]
        reply = self.session.post(
            self.base + "/SMSServices/Clients/Prof/SingleSMS3/SMSService.asmx/SendSMS", data=fields, headers=self.auth
        )
        return reply.status_code == 200 and _MSGID.search(reply.text) is not None

    def bulk(self, numbers: list[str], refs: list[str]) -> int:
        params = [
            ("numbers", ",".join(n.lstrip("+") for n in numbers)),
            ("senderid", SENDER),
            ("msg", TEXT),
            ("requesttimeout", "5000000"),
        ]
        reply = self.session.get(self.base + "/sms/api/SendBulkMessages3.cfm", params=params, headers=self.auth)
        return len(numbers) if _MSGID.search(reply.text) else 0


class AspsmsBaseline(Baseline):
    """``POST /SendTextSMS`` with a JSON object; success is ``StatusCode`` "1"."""

    def _send(self, recipients: list[str], text: str) -> bool:
        body = {
            "UserName": "bench",
            "Password": "secret",
            "Originator": SENDER,
            "Recipients": recipients,
            "MessageText": text,
            "ForceGSM7bit": text.isascii(),
        }
        reply = self.session.post(self.base + "/SendTextSMS", json=body)
        return bool(reply.json().get("StatusCode") == "1")

    def single(self, number: str, ref: str) -> bool:
        return self._send([f"{number}:{ref}"], TEXT)

    def bulk(self, numbers: list[str], refs: list[str]) -> int:
        ok = self._send([f"{n}:{r}" for n, r in zip(numbers, refs, strict=True)], TEXT)
        return len(numbers) if ok else 0


class AllMySmsBaseline(Baseline):
    """``POST /http/9.0/sendSms/`` with the JSON flow in ``smsData``; one ``smsIds`` entry each."""

    def _send(self, numbers: list[str]) -> int:
        flow = {"DATA": {"MESSAGE": TEXT, "TPOA": SENDER, "SMS": [{"MOBILEPHONE": n.lstrip("+")} for n in numbers]}}
        form = {
            "login": "bench",
            "apiKey": "secret",
            "smsData": json.dumps(flow, ensure_ascii=False, separators=(",", ":")),
            "returnformat": "json",
        }
        data = self.session.post(self.base + "/http/9.0/sendSms/", data=form).json()
        return len(data.get("smsIds", ())) if data.get("status") in (100, 101) else 0

    def single(self, number: str, ref: str) -> bool:
        return self._send([number]) == 1

    def bulk(self, numbers: list[str], refs: list[str]) -> int:
        return self._send(numbers)


class PlaySmsBaseline(Baseline):
    """``POST index.php?app=ws&op=pv`` with ``u``, ``h``, ``to`` (comma-joined), ``msg``."""

    def _send(self, numbers: list[str]) -> int:
        fields = [
            ("u", "bench"),
            ("h", "secret"),
            ("to", ",".join(n.lstrip("+") for n in numbers)),
            ("msg", TEXT),
            ("unicode", "0" if TEXT.isascii() else "1"),
        ]
        data = self.session.post(self.base + "/index.php", params=[("app", "ws"), ("op", "pv")], data=fields).json()
        return sum(1 for item in data.get("data", ()) if item.get("status") == "OK")

    def single(self, number: str, ref: str) -> bool:
        return self._send([number]) == 1

    def bulk(self, numbers: list[str], refs: list[str]) -> int:
        return self._send(numbers)


@attrs.frozen
class Provider:
    """How one provider is benchmarked.

    ``limit`` is the recipients per bulk request (the provider's limit, or the configured
    flow size / batch), so the minimum number of requests for N recipients is ⌈N / limit⌉.
    ``uses_refs``: its ids are set by the caller (JorMall ``id``, ASPSMS TRN).
    """

    id: str
    limit: int
    number: Callable[[int], str]
    url_options: str
    baseline_class: type[Baseline]
    uses_refs: bool = False
    single_url_options: str = ""

    def url(self, host_port: str, *, single: bool = False, extra: str = "") -> str:
        options = "plain_http=yes" + (self.single_url_options if single else self.url_options) + extra
        return f"{self.id}://bench:secret@{host_port}?{options}"

    def ref(self, i: int) -> str:
        return f"B{i:015d}"

    def send_one(self, account: Any, i: int) -> bool:
        """One message through smsbridge, with the same number and id as the baseline's ``i``."""
        number = self.number(i)
        if self.id == "jormall":
            result = account.send(number, TEXT, client_ref=self.ref(i))
        elif self.id == "aspsms":
            result = account.send(Recipient(number, reference=self.ref(i)), TEXT)
        else:
            result = account.send(number, TEXT)
        return bool(result.ok)

    def baseline_one(self, client: Baseline, i: int) -> bool:
        return client.single(self.number(i), self.ref(i))

    def recipients(self, start: int, n: int) -> Iterator[Any]:
        """What a caller hands ``bulk_send``: numbers, or ``Recipient`` objects with their TRN."""
        if self.id == "aspsms":
            return (Recipient(self.number(i), reference=self.ref(i)) for i in range(start, start + n))
        return (self.number(i) for i in range(start, start + n))

    def baseline_bulk(self, client: Baseline, start: int, n: int) -> tuple[int, int]:
        """The hand-written bulk loop; returns (accepted, requests)."""
        accepted = requests_made = 0
        for chunk in chunked(range(start, start + n), self.limit):
            accepted += client.bulk([self.number(i) for i in chunk], [self.ref(i) for i in chunk])
            requests_made += 1
        return accepted, requests_made


PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        Provider(
            id="jormall",
            limit=120,
            number=lambda i: f"+96279{i % 10_000_000:07d}",
            url_options=f"&sender={SENDER}",
            single_url_options=f"&sender={SENDER}",
            baseline_class=JorMallBaseline,
            uses_refs=True,
        ),
        Provider(
            id="aspsms",
            limit=1000,
            number=lambda i: f"+4179{i % 10_000_000:07d}",
            url_options=f"&sender={SENDER}",
            single_url_options=f"&sender={SENDER}",
            baseline_class=AspsmsBaseline,
            uses_refs=True,
        ),
        Provider(
            id="allmysms",
            limit=1000,  # the flow size (batch_size option, default 1000)
            number=lambda i: f"+336{i % 100_000_000:08d}",
            url_options=f"&sender={SENDER}&batch_size=1000",
            single_url_options=f"&sender={SENDER}",
            baseline_class=AllMySmsBaseline,
        ),
        Provider(
            id="playsms",
            limit=500,  # the configured batch (batch=, at most 500)
            number=lambda i: f"+21191{i % 10_000_000:07d}",
            url_options="&batch=500",
            baseline_class=PlaySmsBaseline,
        ),
    )
}
