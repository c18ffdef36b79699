"""``smsbridge dev`` as a command, and what importing smsbridge costs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import requests

SMSBRIDGE = [sys.executable, "-m", "smsbridge.cli"]


def test_smsbridge_dev_starts_answers_and_stops() -> None:
    started = time.monotonic()
    process = subprocess.Popen(
        [*SMSBRIDGE, "dev", "--port", "0", "--report-delay", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert match, first + (process.stderr.read() if process.poll() is not None and process.stderr else "")
        port = match.group(1)
        lines = [process.stdout.readline() for _ in range(6)]
        assert any(f"aspsms://KEY:PASSWORD@127.0.0.1:{port}" in line for line in lines), lines
        assert any(line.split()[0] == "jormall" for line in lines if line.strip())
        response = requests.get(f"http://127.0.0.1:{port}/api/v1/providers", timeout=(5, 10))
        assert response.status_code == 200
        assert time.monotonic() - started < 15
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0


def test_smsbridge_dev_without_aiohttp_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['aiohttp'] = None; sys.argv = ['smsbridge', 'dev'];"
        " from smsbridge.cli import main; main()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "pip install 'smsbridge[devserver]'" in result.stderr


def test_smsbridge_dev_refuses_a_bad_report_url() -> None:
    result = subprocess.run([*SMSBRIDGE, "dev", "--report-url", "ftp://x"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "http(s) URL" in result.stderr


def test_plugins_load_without_the_web_server() -> None:
    code = (
        "import sys, smsbridge, smsbridge.plugin; from smsbridge.plugins import get_registry;"
        " get_registry().load_all();"
        "bad = [m for m in sys.modules if m.startswith('aiohttp') or m.endswith('.emulator')]; print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
