"""A provider written outside this repository is discovered once pip-installed; a broken one
is listed as broken while the others keep working.  The plugin is built from what
docs/writing-a-plugin.md shows: its pyproject.toml snippet, its code (docs/example-plugin) and
its conformance test, run with pytest against the installed plugin."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from smsbridge.testing.server import FaultServer, Reply

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example-plugin"
GUIDE = ROOT / "docs" / "writing-a-plugin.md"


def guide_blocks(language: str) -> list[str]:
    """The fenced code blocks of docs/writing-a-plugin.md in ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), re.M | re.S)


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
    shutil.copytree(EXAMPLE / "src", plugin / "src")
    (pyproject,) = guide_blocks("toml")
    (plugin / "pyproject.toml").write_text(pyproject, encoding="utf-8")  # the guide's, as printed
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


def test_the_guides_conformance_test_passes_on_the_installed_plugin(site: Path, tmp_path: Path) -> None:
    (conformance,) = [b for b in guide_blocks("python") if "ProviderConformance" in b]
    (tmp_path / "test_conformance.py").write_text(conformance, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("SMSBRIDGE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_conformance.py"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_the_guide_shows_the_example_as_it_is() -> None:
    """Every code block of the guide is the example plugin's own text (or its conformance test)."""
    import types

    import smsbridge.plugin
    from smsbridge.testing import reply

    source = (EXAMPLE / "src" / "smsbridge_acme" / "__init__.py").read_text(encoding="utf-8")
    for block in guide_blocks("python"):
        if "ProviderConformance" in block:
            continue
        if block.startswith("# smsbridge_metrics.py"):
            continue  # the cross-cutting example: run as written by tests/core/test_plugin_trust.py
        if block.startswith("RejectedError("):  # the error constructor, with every argument
            names = {
                **vars(smsbridge.plugin),
                "ctx": types.SimpleNamespace(provider="acme"),
                "reply": reply(status=400),
            }
            error = eval(block, names)
            assert str(error) == (
                "[acme] Acme refused the request: blocked (remove the number from your list) [code blocked, HTTP 400]"
            )
            assert (error.text, error.raw.status, error.before_request) == ("Number blocked by operator", 400, False)
            continue
        assert block.strip() in source, block
    (pyproject,) = guide_blocks("toml")
    assert pyproject.removeprefix("# pyproject.toml\n") == (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8")


def test_plugins_import_everything_from_the_plugin_api() -> None:
    """The example plugin imports smsbridge names only from smsbridge.plugin, and each exists there."""
    import ast

    import smsbridge.plugin

    tree = ast.parse((EXAMPLE / "src" / "smsbridge_acme" / "__init__.py").read_text(encoding="utf-8"))
    modules = {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("smsbridge")
    }
    assert modules == {"smsbridge.plugin"}
    imported = {
        a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "smsbridge.plugin"
        for a in n.names
    }
    assert imported <= set(smsbridge.plugin.__all__)


def test_example_plugin_is_under_100_lines() -> None:
    code = (EXAMPLE / "src" / "smsbridge_acme" / "__init__.py").read_text().splitlines()
    assert len(code) < 100
