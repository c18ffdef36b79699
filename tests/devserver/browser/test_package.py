"""The web inbox ships in the wheel: every static file, the vendored libraries and their licences."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "core" / "src" / "smsbridge" / "devserver" / "static"


@pytest.mark.slow
def test_the_wheel_holds_the_inbox(tmp_path: Path) -> None:
    builders = pytest.importorskip("hatchling.builders.wheel", reason="hatchling builds the wheel")
    wheel = Path(next(iter(builders.WheelBuilder(str(ROOT / "core")).build(directory=str(tmp_path)))))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name: archive.read(name) for name in archive.namelist() if "/devserver/static/" in name}
    expected = {
        "smsbridge/devserver/static/" + path.relative_to(STATIC).as_posix(): path.read_bytes()
        for path in STATIC.rglob("*")
        if path.is_file()
    }
    assert shipped == expected
    for name in ("index.html", "app.js", "style.css", "vendor/preact.js", "vendor/preact-hooks.js", "vendor/htm.js"):
        assert f"smsbridge/devserver/static/{name}" in shipped
    assert b"MIT License" in shipped["smsbridge/devserver/static/vendor/LICENSE-preact.txt"]
    assert b"Apache License" in shipped["smsbridge/devserver/static/vendor/LICENSE-htm.txt"]
