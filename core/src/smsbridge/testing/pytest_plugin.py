"""pytest fixtures for smsbridge plugin authors and host applications.

Enable in your root ``conftest.py`` with ``from smsbridge.testing.pytest_plugin import *``:
fixtures defined in a conftest take precedence over pytest-recording's own ``vcr_config`` and
``vcr_cassette_dir``, which a ``-p`` plugin's would not.

* ``sms_outbox``: the ``memory://`` outbox, emptied for each test (Django's ``mail.outbox``).
* ``sms_ledger`` / ``postgres_ledger``: a send ledger for one test, in a fresh SQLite file or in
  a fresh database of the PostgreSQL server at ``SMSBRIDGE_TEST_POSTGRES`` (skipped without
  one, failed with ``SMSBRIDGE_REQUIRE_SERVICES=1``).
* ``vcr_config``: pytest-recording configuration with smsbridge's secret filters.  Override
  ``smsbridge_secret_fields`` / ``smsbridge_secret_values`` in a conftest to add your own.
* ``vcr_cassette_dir``: ``<rootdir>/cassettes/<plugin>/<test module>/``, where ``<plugin>`` is
  the folder under ``tests/plugins/`` (``core`` for ``tests/core``).
* ``smsbridge_dev``: the local provider emulator (``smsbridge dev``), one per session on a free
  port, emptied before each test; a :class:`smsbridge.testing.devserver.DevServerClient`
  (``account_url("aspsms")``, ``messages()``, ``add_fault(...)``...).  Needs aiohttp.
* Every test marked ``vcr`` and replayed with ``--record-mode=none`` fails if its cassette was
  not fully played: a request the code no longer makes is a test that no longer tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smsbridge.testing import vcr_config_for

__all__ = [
    "_smsbridge_cassette_fully_played",
    "postgres_ledger",
    "sms_ledger",
    "sms_outbox",
    "smsbridge_dev",
    "smsbridge_dev_server",
    "smsbridge_secret_fields",
    "smsbridge_secret_values",
    "vcr_cassette_dir",
    "vcr_config",
]


@pytest.fixture
def sms_outbox() -> Iterator[list[Any]]:
    from smsbridge.builtin import memory

    memory.clear("default")
    yield memory.outbox("default")
    memory.clear("default")


@pytest.fixture
def sms_ledger(tmp_path: Path) -> Iterator[Any]:
    """A send ledger in a new SQLite file."""
    from smsbridge.ledger import open_ledger

    with open_ledger(tmp_path / "ledger.db") as ledger:
        yield ledger


@pytest.fixture
def postgres_ledger() -> Iterator[Any]:
    """A send ledger in a new PostgreSQL database, dropped after the test."""
    from smsbridge.ledger import open_ledger
    from smsbridge.testing.services import postgres_database

    with postgres_database() as url, open_ledger(url) as ledger:
        yield ledger


@pytest.fixture(scope="session")
def smsbridge_secret_fields() -> tuple[str, ...]:
    """Wire field names that carry secrets: every installed provider's declaration."""
    from smsbridge.plugins import get_registry

    fields: set[str] = {"authorization"}
    for spec, _ in get_registry().providers():
        fields.update(spec.secret_fields)
    return tuple(sorted(fields))


@pytest.fixture(scope="session")
def smsbridge_secret_values() -> tuple[str, ...]:
    """Secret values (test credentials) to filter wherever they appear; extend in a conftest."""
    return ()


@pytest.fixture
def vcr_config(smsbridge_secret_fields: tuple[str, ...], smsbridge_secret_values: tuple[str, ...]) -> dict[str, Any]:
    return vcr_config_for(smsbridge_secret_fields, smsbridge_secret_values)


def cassette_group(path: Path) -> str:
    parts = path.parts
    if "plugins" in parts:
        index = len(parts) - 1 - parts[::-1].index("plugins")
        if index + 1 < len(parts) - 1:
            return parts[index + 1]
    if "core" in parts:
        return "core"
    return path.parent.name


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    path = Path(str(request.node.fspath))
    root = Path(str(request.config.rootpath))
    return str(root / "cassettes" / cassette_group(path) / path.stem)


@pytest.fixture(autouse=True)
def _smsbridge_cassette_fully_played(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("vcr")
    if marker is None:
        yield
        return
    cassette = request.getfixturevalue("vcr")
    record_mode = request.getfixturevalue("record_mode")
    yield
    if cassette is not None and record_mode == "none" and not cassette.all_played:
        unplayed = [f"{r.method} {r.uri}" for i, (r, _) in enumerate(cassette.data) if cassette.play_counts[i] == 0]
        pytest.fail(f"cassette {cassette._path} was not fully played; unplayed: {unplayed}", pytrace=False)


@pytest.fixture(scope="session")
def smsbridge_dev_server() -> Iterator[Any]:
    """The emulator for the whole session: (server, client); see ``smsbridge_dev``."""
    pytest.importorskip("aiohttp", reason="smsbridge dev needs aiohttp: pip install 'smsbridge[devserver]'")
    from smsbridge.testing.devserver import start_dev_server

    server, client = start_dev_server()
    try:
        yield server, client
    finally:
        client.close()
        server.stop()


@pytest.fixture
def smsbridge_dev(smsbridge_dev_server: Any) -> Any:
    """A REST client of the session's emulator, emptied for this test (``DevServerClient``)."""
    _, client = smsbridge_dev_server
    client.reset()
    return client
