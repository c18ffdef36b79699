"""The core's conformance suite, once per provider id."""

from __future__ import annotations

from smsbridge.testing.conformance import ProviderConformance

from .callback_samples import SAMPLES
from .support import ASPSMS_PASSWORD, ASPSMS_USERKEY, NUMBER, SERVER2SMS_PASSWORD, SERVER2SMS_USERKEY, url


class TestAspsmsConformance(ProviderConformance):
    provider_id = "aspsms"
    url = url("aspsms")
    secrets = (ASPSMS_USERKEY, ASPSMS_PASSWORD)
    number = NUMBER
    callback_samples = SAMPLES


class TestServer2smsConformance(ProviderConformance):
    provider_id = "server2sms"
    url = url("server2sms")
    secrets = (SERVER2SMS_USERKEY, SERVER2SMS_PASSWORD)
    number = NUMBER
    callback_samples = SAMPLES  # the same API on another host


class TestSimpleConformance(ProviderConformance):
    """simple=yes changes the capabilities (no schedule, no flash): still conformant."""

    provider_id = "aspsms"
    url = url("aspsms", "sender=Shop&simple=yes")
    secrets = (ASPSMS_USERKEY, ASPSMS_PASSWORD)
    number = NUMBER
    callback_samples = SAMPLES
