"""The core's conformance suite, for provider id ``allmysms``."""

from __future__ import annotations

from smsbridge.testing.conformance import ProviderConformance

from .callback_samples import SAMPLES
from .support import API_KEY, FR, URL


class TestAllMySmsConformance(ProviderConformance):
    provider_id = "allmysms"
    url = URL + "?sender=Shop"
    secrets = (API_KEY,)
    number = FR
    callback_samples = SAMPLES
