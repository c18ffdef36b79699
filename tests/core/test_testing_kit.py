"""The test kit itself: scrubbing, vcr configuration, and the fully-played check."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

from smsbridge.testing import FILTERED, scrub_request, scrub_response, scrub_text, vcr_config_for


def test_scrub_text_json_xml_and_form() -> None:
    fields = ("Password", "apiKey", "h")
    assert scrub_text('{"UserName":"u","Password":"p4ss"}', fields) == '{"UserName":"u","Password":"FILTERED"}'
    assert scrub_text("<DATA><apiKey>k3y</apiKey></DATA>", fields) == "<DATA><apiKey>FILTERED</apiKey></DATA>"
    assert scrub_text("u=me&h=tok3n&op=pv", fields) == "u=me&h=FILTERED&op=pv"
    assert scrub_text("Bearer abc123456 issued", (), ["abc123456"]) == "Bearer FILTERED issued"


def test_scrub_request_every_part() -> None:
    request = SimpleNamespace(
        uri="https://x.example/api?u=me&h=tok3n&AccPass=pw",
        headers={"Authorization": "Bearer t0ken", "Content-Type": "application/json"},
        body=json.dumps({"UserName": "key", "Password": "pw", "nested": {"apiKey": "k"}}).encode(),
    )
    scrub = scrub_request(("h", "accpass", "UserName", "Password", "apiKey"))
    out = scrub(request)
    assert out.uri == "https://x.example/api?u=me&h=FILTERED&AccPass=FILTERED"
    assert out.headers["Authorization"] == FILTERED
    assert json.loads(out.body) == {"UserName": FILTERED, "Password": FILTERED, "nested": {"apiKey": FILTERED}}
    form = SimpleNamespace(
        uri="https://x.example/", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"apiKey=k&x=1"
    )
    assert scrub(form).body == b"apiKey=FILTERED&x=1"


def test_scrub_response_echoed_secrets() -> None:
    response = {"body": {"string": b'{"status":"Active Account","apiKey":"k3y-echo","credits":"1"}'}, "headers": {}}
    out = scrub_response(("apiKey",), ("k3y-echo",))(response)
    assert b"k3y-echo" not in out["body"]["string"]


def test_vcr_config_never_fixes_the_record_mode() -> None:
    config = vcr_config_for(("x",))
    assert "record_mode" not in config
    assert {"method", "path", "query", "body"} <= set(config["match_on"])


def test_an_unplayed_cassette_fails_the_test(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "tests" / "core").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (tmp_path / "tests" / "conftest.py").write_text("from smsbridge.testing.pytest_plugin import *  # noqa\n")
    (tmp_path / "tests" / "core" / "test_x.py").write_text(
        textwrap.dedent(
            """
            import pytest, requests

            @pytest.mark.vcr
            def test_one():
                assert requests.get("https://api.example.org/a").text == "A"
            """
        )
    )
    cassette = tmp_path / "cassettes" / "core" / "test_x" / "test_one.yaml"
    cassette.parent.mkdir(parents=True)
    interaction = """
- request: {body: null, headers: {}, method: GET, uri: 'https://api.example.org/%s'}
  response: {body: {string: '%s'}, headers: {}, status: {code: 200, message: OK}}"""
    cassette.write_text("interactions:" + interaction % ("a", "A") + interaction % ("b", "B") + "\nversion: 1\n")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "tests")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "core" / "src")},
    )
    assert run.returncode != 0
    assert "not fully played" in run.stdout and "/b" in run.stdout
    # and with only the played interaction it passes
    cassette.write_text("interactions:" + interaction % ("a", "A") + "\nversion: 1\n")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "tests")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "core" / "src")},
    )
    assert run.returncode == 0, run.stdout
