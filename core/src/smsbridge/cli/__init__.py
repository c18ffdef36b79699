"""The ``smsbridge`` command line (click for parsing, rich for tables and progress).

``main`` is the console-script entry point; ``cli`` is the click group, for embedding or for
``click.testing.CliRunner``.  Documentation: docs/cli.md.
"""

from __future__ import annotations

from smsbridge.cli.app import cli, main

__all__ = ["cli", "main"]
