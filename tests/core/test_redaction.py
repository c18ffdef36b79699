"""The redactor: every wire encoding of a secret, secret fields by name, no damage to other text."""

from __future__ import annotations

import base64
import html
import json
import logging
from urllib.parse import quote, quote_plus

import attrs
import pytest

from smsbridge.config import credential, secret_values
from smsbridge.models import RawReply
from smsbridge.redaction import MIN_SECRET_LENGTH, Redactor, install_log_redaction

SECRET = 'pä"s/s+w &<rd'


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET, safe="").lower(),  # lower-case hex (the secret's letters are lower-case)
        quote_plus(SECRET),
        quote(SECRET, safe="/"),
        json.dumps(SECRET)[1:-1],  # \u00e4 and \"
        json.dumps(SECRET)[1:-1].replace("\\u00e4", "\\u00E4"),
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
        json.dumps(SECRET)[1:-1].replace("/", "\\/"),  # PHP
        html.escape(SECRET),
        "p&#228;ss&#x2F;w0",  # numeric character references (the second secret)
        quote(json.dumps(SECRET)[1:-1], safe=""),  # JSON inside a form field
    ],
)
def test_every_encoding_of_a_secret_is_hidden(form: str) -> None:
    redact = Redactor([SECRET, "päss/w0"])
    assert redact(f"before {form} after") == "before *** after"


def test_a_php_escaped_echo_is_hidden() -> None:
    """AllMySMS echoes the key as PHP's json_encode writes it."""
    redact = Redactor(["k3y/AbC+dEf=="])
    assert redact('{"apiKey":"k3y\\/AbC+dEf=="}') == '{"apiKey":"***"}'


def test_secret_fields_are_hidden_whatever_their_value() -> None:
    redact = Redactor(fields=["Password", "h", "apiKey"])
    text = '{"Password": "a\\"b", "User": "bob"} /x?u=bob&h=t&m=1 <apiKey>k</apiKey> width=3'
    assert redact(text) == '{"Password": "***", "User": "bob"} /x?u=bob&h=***&m=1 <apiKey>***</apiKey> width=3'


def test_a_short_secret_is_never_redacted_by_substring() -> None:
    """A one-letter token would turn 'recipients' into 'recipien***s'."""
    redact = Redactor(["t", "12345"], fields=["h"])
    assert MIN_SECRET_LENGTH == 6
    assert redact("recipients were in flight, id 12345") == "recipients were in flight, id 12345"
    assert redact("op=pv&h=t&to=1") == "op=pv&h=***&to=1"  # as a field it is still hidden


def test_added_secrets_and_fields_apply_from_then_on() -> None:
    redact = Redactor()
    assert not redact and redact("token-abcdef") == "token-abcdef"
    redact.add("token-abcdef")
    redact.add_fields(["sig"])
    assert redact("token-abcdef sig=1") == "*** sig=***"


def test_a_reply_is_parsed_as_it_came_and_kept_redacted() -> None:
    redact = Redactor([SECRET])
    reply = RawReply(200, f'{{"echo": {json.dumps(SECRET)}}}', url=f"https://h/?p={SECRET}", redactor=redact)
    assert json.loads(reply.body)["echo"] == SECRET
    kept = reply.redacted()
    assert SECRET not in kept.body + kept.url + repr(reply) and kept.redactor is None
    assert kept.redacted() is kept


def test_basic_auth_of_the_user_and_password_is_a_secret() -> None:
    @attrs.define
    class Config:
        login: str = credential("user", secret=False)
        key: str = credential("password")

    values = secret_values(Config("shop", "k3y-k3y-k3y"))
    assert values == ["k3y-k3y-k3y", base64.b64encode(b"shop:k3y-k3y-k3y").decode()]


@pytest.mark.parametrize("logger", ["smsbridge_acme.wire", "urllib3.connection", "requests.sessions"])
def test_log_records_of_plugins_and_http_libraries_are_redacted(logger: str, caplog: pytest.LogCaptureFixture) -> None:
    redact = Redactor(["token-abcdef"])
    logging.getLogger(logger)  # created before: covered at once; created later: at the next request
    install_log_redaction(redact)
    caplog.set_level(logging.DEBUG)
    logging.getLogger(logger).debug("sending %s", "token-abcdef")
    logging.getLogger(logger + ".late").debug("sending %s", "token-abcdef")
    from smsbridge.redaction import refresh_log_redaction

    refresh_log_redaction()
    logging.getLogger(logger + ".late").debug("again %s", "token-abcdef")
    messages = [r.getMessage() for r in caplog.records]
    assert "sending ***" in messages and "again ***" in messages
    del redact
