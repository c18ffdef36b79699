"""Plugins import smsbridge only through its plugin API, ``smsbridge.plugin`` (issue 17).

A plugin that reaches into the core's own modules (``smsbridge.transport``, ``smsbridge.replies``)
breaks when the core moves things; ``smsbridge.plugin`` is the one stable surface.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import smsbridge.plugin

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "plugins").glob("*/src/**/*.py"), *(ROOT / "docs" / "example-plugin").glob("src/**/*.py")])


def smsbridge_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every import of an ``smsbridge`` module in ``path``: line, module, names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "smsbridge"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "smsbridge":
            found.append((node.lineno, node.module or "", [a.name for a in node.names]))
    return found


def test_every_plugin_source_is_checked() -> None:
    plugins = {p.relative_to(ROOT).parts[1] for p in SOURCES if p.relative_to(ROOT).parts[0] == "plugins"}
    assert plugins >= {"jormall", "aspsms", "junubsms", "allmysms"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_only_the_plugin_api(path: Path) -> None:
    for line, module, names in smsbridge_imports(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        assert module == "smsbridge.plugin", f"{where} imports {module}: import it from smsbridge.plugin"
        missing = set(names) - set(smsbridge.plugin.__all__)
        assert not missing, f"{where}: smsbridge.plugin does not export {sorted(missing)}"


def test_the_check_sees_a_core_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from smsbridge.transport import REDACTED\nimport smsbridge.replies\nfrom smsbridge.plugin import hookimpl\n"
    )
    assert [m for _, m, _ in smsbridge_imports(bad)] == ["smsbridge.transport", "smsbridge.replies", "smsbridge.plugin"]
