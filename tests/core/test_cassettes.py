"""Every cassette names its source and holds no credential."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from smsbridge.plugins import Registry
from smsbridge.testing import FILTERED

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = sorted((ROOT / "cassettes").rglob("*.yaml"))


def secret_fields() -> set[str]:
    registry = Registry()
    fields = {"authorization"}
    for spec, _ in registry.providers():
        fields.update(f.lower() for f in spec.secret_fields)
    return fields


FIELDS = secret_fields()


def _check_pairs(pairs: list[tuple[str, str]], where: str) -> None:
    for key, value in pairs:
        if key.lower() in FIELDS:
            assert value == FILTERED, f"{where}: {key}={value!r} is not filtered"


def _check_text(text: str, where: str) -> None:
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if data is not None:
            _check_json(data, where)
            return
    for name in FIELDS:
        for match in re.finditer(rf"<{re.escape(name)}(?:\s[^>]*)?>([^<]*)</", text, re.I):
            assert match.group(1) == FILTERED, f"{where}: <{name}> holds {match.group(1)!r}"
    if "=" in text and "<" not in text and " " not in stripped:
        _check_pairs(parse_qsl(text, keep_blank_values=True), where)


def _check_json(node: Any, where: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).lower() in FIELDS and value not in (None, "", FILTERED):
                pytest.fail(f"{where}: JSON key {key!r} holds {value!r}")
            _check_json(value, where)
    elif isinstance(node, list):
        for value in node:
            _check_json(value, where)
    elif isinstance(node, str) and node.strip().startswith(("{", "[", "<")):
        _check_text(node, where)


def _body(body: Any) -> str:
    if isinstance(body, dict):
        body = body.get("string", "")
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body or ""


def test_there_are_cassettes() -> None:
    assert CASSETTES, "no cassette found under cassettes/"


@pytest.mark.parametrize("path", CASSETTES, ids=[str(p.relative_to(ROOT / "cassettes")) for p in CASSETTES])
def test_cassette_names_its_source_and_holds_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head = [line for line in text.splitlines()[:12] if line.startswith("#")]
    assert any("source" in line.lower() for line in head), f"{path.name}: start with a '# source: ...' comment"
    assert "dummy-" not in text, "a test credential reached a cassette"
    data = yaml.safe_load(text)
    assert data.get("version") == 1 and data.get("interactions"), "not a vcrpy cassette"
    for number, interaction in enumerate(data["interactions"]):
        where = f"{path.name}#{number}"
        request, response = interaction["request"], interaction["response"]
        uri = urlsplit(request["uri"])  # plain http only for a real server recorded on loopback
        assert uri.scheme == "https" or uri.hostname in ("127.0.0.1", "localhost"), f"{where}: real hosts are https"
        _check_pairs(parse_qsl(urlsplit(request["uri"]).query, keep_blank_values=True), where + " query")
        for name, values in (request.get("headers") or {}).items():
            if name.lower() in FIELDS:
                assert all(v == FILTERED for v in values), f"{where}: header {name} is not filtered"
        _check_text(_body(request.get("body")), where + " request body")
        _check_text(_body(response.get("body")), where + " response body")
