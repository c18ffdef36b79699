"""A provider written outside this repository is discovered once pip-installed; a broken one
is listed as broken while the others keep working."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from smsbridge.testing.server import FaultServer, Reply

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example-plugin"

pytestmark = pytest.mark.slow


def pip_install(source: Path, target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
    )


def run_with(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("SMSBRIDGE_URL", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("build")
    site = tmp_path_factory.mktemp("site")
    plugin = build / "smsbridge-acme"
    shutil.copytree(EXAMPLE, plugin)
    pip_install(plugin, site)
    broken = build / "smsbridge-broken"
    (broken / "src" / "smsbridge_broken").mkdir(parents=True)
    (broken / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
            [project]
            name = "smsbridge-broken"
            version = "0.0.1"
            [project.entry-points.smsbridge]
            broken = "smsbridge_broken"
            [tool.hatch.build.targets.wheel]
            packages = ["src/smsbridge_broken"]
            """
        )
    )
    (broken / "src" / "smsbridge_broken" / "__init__.py").write_text("raise RuntimeError('this plugin is broken')\n")
    pip_install(broken, site)
    return site


def test_third_party_plugin_is_discovered_and_used(site: Path) -> None:
    with FaultServer(lambda r: Reply(200, '{"ok": true, "id": 4242}', content_type="application/json")) as server:
        code = textwrap.dedent(
            f"""
            import json, smsbridge
            account = smsbridge.connect("acme://:dummy-acme-key@{server.host_port}?plain_http=yes&sender=Shop")
            result = account.send("+41791234567", "Hello from a third-party plugin")
            print(json.dumps(smsbridge.to_dict(result)))
            """
        )
        run = run_with(site, code)
        assert run.returncode == 0, run.stderr
        (request,) = server.requests
    result = json.loads(run.stdout)
    assert result["receipts"][0]["message_id"] == "4242"
    assert json.loads(request.body) == {
        "key": "dummy-acme-key",
        "to": "41791234567",
        "text": "Hello from a third-party plugin",
        "from": "Shop",
    }


def test_broken_plugin_is_listed_and_the_others_still_work(site: Path) -> None:
    code = textwrap.dedent(
        """
        from smsbridge.plugins import get_registry
        import smsbridge
        registry = get_registry()
        ids = [spec.id for spec, info in registry.providers()]
        print("providers", ids)
        for b in registry.broken:
            print("broken", b.name, b.distribution, b.version, b.error)
        print(smsbridge.connect("console://?stream=stderr").send("+41791234567", "still works").ok)
        """
    )
    run = run_with(site, code)
    assert run.returncode == 0, run.stderr
    assert "'acme'" in run.stdout and "'console'" in run.stdout
    assert "broken broken smsbridge-broken 0.0.1 RuntimeError: this plugin is broken" in run.stdout
    assert run.stdout.strip().endswith("True")


def test_example_plugin_is_under_100_lines() -> None:
    code = (EXAMPLE / "src" / "smsbridge_acme" / "__init__.py").read_text().splitlines()
    assert len(code) < 100
