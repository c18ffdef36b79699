"""smsbridge provider plugin for JorMall (josms.net), Jordan.

The entry point is :mod:`smsbridge_jormall.plugin`; see ``docs/providers/jormall.md``.
"""

from __future__ import annotations

__version__ = "0.1.0"
