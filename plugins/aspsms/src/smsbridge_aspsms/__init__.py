"""smsbridge provider plugin for the ASPSMS JSON API and server2sms (one API, two hosts).

The entry point is :mod:`smsbridge_aspsms.plugin`; the modules: ``config`` (account options),
``wire`` (requests and the reply mapping), ``codes`` (status tables), ``sending``,
``balance``, ``delivery`` (status and callbacks), ``callbacks`` (how ASPSMS calls the receiver)
and ``admin`` (the other API methods).
"""

__version__ = "0.1.0"
