"""The core's conformance suite, for a token account and a password account."""

from __future__ import annotations

from smsbridge.testing.conformance import ProviderConformance

from .support import ACCPASS, url


class TestJorMallToken(ProviderConformance):
    provider_id = "jormall"
    url = url()
    secrets = (ACCPASS,)
    number = "+962791234567"


class TestJorMallPassword(ProviderConformance):
    provider_id = "jormall"
    url = url(auth="password", gateway="general")
    secrets = (ACCPASS,)
    number = "+962781234567"
