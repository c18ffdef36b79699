"""The core's conformance suite, once per provider id."""

from __future__ import annotations

from smsbridge.testing.conformance import ProviderConformance

from .callback_samples import SAMPLES
from .support import NUMBER, PASSWORD, PLAYSMS_TOKEN, TOKEN, playsms_url, url


class TestJunubSMSConformance(ProviderConformance):
    provider_id = "junubsms"
    url = url()
    secrets = (TOKEN,)
    number = NUMBER
    callback_samples = SAMPLES


class TestJunubSMSPasswordConformance(ProviderConformance):
    """With auth=password the first request is get_token: junk there must be typed too."""

    provider_id = "junubsms"
    url = url(password=True)
    secrets = (PASSWORD,)
    number = NUMBER
    callback_samples = SAMPLES


class TestPlaySMSConformance(ProviderConformance):
    provider_id = "playsms"
    url = playsms_url("batch=5")
    secrets = (PLAYSMS_TOKEN,)
    number = NUMBER
    callback_samples = SAMPLES
