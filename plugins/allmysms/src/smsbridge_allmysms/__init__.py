"""smsbridge provider plugin for the AllMySMS HTTP API 9.0 (provider id ``allmysms``).

The entry point is ``smsbridge_allmysms.plugin``; this package module stays empty so that
importing it costs nothing.
"""

__version__ = "0.1.0"
