"""Account settings checked when the account is built (issue 13, points 17 and 18): plain http is
refused for every host a provider is known by, however it is written; a CA bundle that does not
exist is a configuration error naming the option, not an OSError at the first request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import ConfigurationError
from smsbridge.plugins import get_registry

# the provider's default host and the other hosts its documents name (../shared/providers)
DOCUMENTED_HOSTS = {
    "aspsms": ["json.aspsms.com"],
    "server2sms": ["json.server2sms.com"],
    "jormall": ["www.josms.net", "josmsservice.com"],
    "junubsms": ["sms.junubsms.com", "sms.junub.com"],
    "playsms": ["sms.junubsms.com", "sms.junub.com"],  # JunubSMS is a playSMS server
    "allmysms": ["api.allmysms.com", "api.msinnovations.com"],
}
CREDENTIALS = {"aspsms": "k:p", "server2sms": "k:p", "jormall": "a:p", "junubsms": "u:t", "playsms": "u:t"}


def spellings(host: str) -> list[str]:
    """The same host as DNS and IDNA read it, written differently."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in host)
    return [
        host,
        host.upper(),
        host + ".",
        host.title() + ".",
        fullwidth,
        host.replace(".", "\u3002"),  # the ideographic full stop IDNA reads as a dot
        f"{host}:80",
        f"www2.{host}",  # a subdomain of a host the provider owns is the provider's too
    ]


@pytest.mark.parametrize("provider", sorted(DOCUMENTED_HOSTS))
def test_plain_http_is_refused_for_every_known_host_however_written(provider: str) -> None:
    credentials = CREDENTIALS.get(provider, "login:key")
    for host in DOCUMENTED_HOSTS[provider]:
        for written in spellings(host):
            url = f"{provider}://{credentials}@{written}/x?plain_http=yes"
            with pytest.raises(ConfigurationError, match="plain_http=yes is refused") as info:
                smsbridge.connect(url)
            assert info.value.provider == provider, written
            # the dict form goes through the same check
            with pytest.raises(ConfigurationError, match="plain_http=yes is refused"):
                smsbridge.connect(
                    {
                        "provider": provider,
                        "host": written.split(":")[0],
                        "plain_http": "yes",
                        **_dict_credentials(provider),
                    }
                )


def _dict_credentials(provider: str) -> dict[str, str]:
    spec, _ = get_registry().provider(provider)
    import attrs

    out = {}
    for field in attrs.fields(spec.config_class):
        if field.default is attrs.NOTHING:
            out[field.name] = "x1234"
    return out


@pytest.mark.parametrize("provider", sorted(DOCUMENTED_HOSTS))
def test_plain_http_still_works_for_a_host_of_ones_own(provider: str) -> None:
    credentials = CREDENTIALS.get(provider, "login:key")
    for host in ("127.0.0.1:8080", "sms.example.org", "aspsms.com.example.org", "notjosms.net"):
        account = smsbridge.connect(f"{provider}://{credentials}@{host}/x?plain_http=yes")
        assert account.ctx.base_url.startswith("http://"), host


def test_every_provider_spec_knows_its_hosts() -> None:
    for spec, _ in get_registry().providers():
        if spec.id in DOCUMENTED_HOSTS:
            for host in DOCUMENTED_HOSTS[spec.id]:
                assert spec.is_known_host(host), (spec.id, host)


def test_a_missing_ca_bundle_is_a_configuration_error_naming_the_option(spy: Any, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"ca_bundle: '/nonexistent/ca.pem' does not exist"):
        smsbridge.connect("spy://a:b@default?ca_bundle=/nonexistent/ca.pem")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert smsbridge.connect(f"spy://a:b@default?ca_bundle={bundle}").settings.ca_bundle == str(bundle)
    assert smsbridge.connect(f"spy://a:b@default?ca_bundle={tmp_path}").settings.ca_bundle == str(tmp_path)
