"""smsbridge provider plugin for JunubSMS and any playSMS server (webservices API, ``app=ws``).

Two provider ids share one implementation: ``junubsms`` (``sms.junubsms.com``, a playSMS 1.4.5
deployment) and ``playsms`` (any self-hosted playSMS, host and path given in the URL).  The
entry point is :mod:`smsbridge_junubsms.plugin`; this package module stays empty so that
importing it costs nothing.
"""

__version__ = "0.1.0"
