from __future__ import annotations

from typing import Any

import pytest

import smsbridge
from smsbridge.config import mask_url, parse_url
from smsbridge.errors import ConfigurationError, UnknownProviderError


def test_url_parts_and_default_host(spy: Any) -> None:
    account = smsbridge.connect("spy://alice:s3cret@default?sender=Shop&colour=red")
    assert account.ctx.host == "api.spy.example"
    assert account.ctx.base_url == "https://api.spy.example"
    assert account.ctx.config.user == "alice"
    assert account.ctx.config.password == "s3cret"
    assert account.ctx.config.colour == "red"
    assert account.settings.sender == "Shop"


def test_other_host_port_and_path(spy: Any) -> None:
    account = smsbridge.connect("spy://alice:pw@sms.example.org:8443/playsms/index.php")
    assert account.ctx.base_url == "https://sms.example.org:8443/playsms/index.php"
    assert account.ctx.url("x") == "https://sms.example.org:8443/playsms/index.php/x"


def test_plain_http_only_when_asked_and_never_for_the_default_host(spy: Any) -> None:
    assert smsbridge.connect("spy://a:b@10.0.0.5:8080").ctx.base_url.startswith("https://")
    assert smsbridge.connect("spy://a:b@10.0.0.5:8080?plain_http=yes").ctx.base_url == "http://10.0.0.5:8080"
    with pytest.raises(ConfigurationError, match="plain_http"):
        smsbridge.connect("spy://a:b@default?plain_http=yes")


def test_percent_encoded_credentials(spy: Any) -> None:
    account = smsbridge.connect("spy://al%40ce:p%40ss%3Aw%2Ford%23@default")
    assert account.ctx.config.user == "al@ce"
    assert account.ctx.config.password == "p@ss:w/ord#"


def test_settings_are_typed(spy: Any) -> None:
    account = smsbridge.connect("spy://a:b@default?timeout=7.5&connect_timeout=2&retries=3&rate=4&workers=2&batch=7")
    assert account.settings.timeout == 7.5
    assert account.ctx.http.timeout == (2.0, 7.5)
    assert account.settings.retries == 3
    assert account.retry.retries == 3
    assert account.settings.workers == 2
    assert account.capabilities.max_recipients == 7  # adjusted by the config class


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("spy://a:b@default?colur=red", ["unknown option 'colur'", "colour"]),
        ("spy://a:b@default?timeout=fast", ["timeout"]),
        ("spy://a:b@default?retries=-1", ["retries"]),
        ("spy://a@default", ["password"]),
        ("spy://a:b@default:99999", ["port"]),
        ("spy:/a:b@default", ["provider part"]),
        ("spy://a:b@default?x=1&x=2", ["twice"]),
        ("", ["empty"]),
        ("spy://a:b#c@default", ["%23"]),
    ],
)
def test_bad_urls_say_which_part_without_the_secret(spy: Any, url: str, words: list[str]) -> None:
    with pytest.raises(ConfigurationError) as info:
        smsbridge.connect(url)
    text = str(info.value)
    for word in words:
        assert word in text
    assert "b@" not in text and ":b" not in text


def test_secret_never_echoed_in_errors(spy: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        smsbridge.connect("spy://alice:TopSecret99@default:notaport")
    assert "TopSecret99" not in str(info.value)
    assert "TopSecret99" not in repr(info.value)


def test_unknown_provider_lists_installed_and_names_the_package(registry: Any) -> None:
    with pytest.raises(UnknownProviderError) as info:
        smsbridge.connect("aspsms://a:b@default")
    assert "console" in str(info.value) and "memory" in str(info.value)
    assert "`pip install ./plugins/aspsms`" in str(info.value)  # what works until it is published
    with pytest.raises(UnknownProviderError) as info:
        smsbridge.connect("nosuch://")
    assert "smsbridge-" not in str(info.value)


def test_from_dict_and_environment(spy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    account = smsbridge.connect({"provider": "spy", "user": "u", "password": "p", "sender": "Shop", "batch": 2})
    assert account.ctx.config.password == "p"
    assert account.capabilities.max_recipients == 2
    assert "p" not in account.url.replace("spy", "")
    monkeypatch.setenv("SMSBRIDGE_URL", "spy://u:envpass@default")
    assert smsbridge.connect().ctx.config.password == "envpass"
    monkeypatch.delenv("SMSBRIDGE_URL")
    with pytest.raises(ConfigurationError, match="SMSBRIDGE_URL"):
        smsbridge.connect()
    with pytest.raises(ConfigurationError, match="provider"):
        smsbridge.connect({"user": "u"})


def test_failover_form(spy: Any) -> None:
    group = smsbridge.connect("failover(spy://u:p@default memory://)")
    assert isinstance(group, smsbridge.FailoverAccount)
    assert [a.provider for a in group.accounts] == ["spy", "memory"]


def test_mask_url() -> None:
    assert mask_url("aspsms://USERKEY:PASSWORD@default?sender=Shop") == "aspsms://U***Y:****@default?sender=Shop"
    assert mask_url("x://u:p@h/path?token=abc&sender=S") == "x://*:****@h/path?token=****&sender=S"
    assert mask_url("console://") == "console://"
    assert mask_url("no-scheme-secret") == "****"


def test_mask_url_masks_every_member_of_a_failover_group() -> None:
    group = "failover(aspsms://K1y:P4ss@default?sender=Shop allmysms://LOGIN:SecondApiKey77@default)"
    assert mask_url(group) == "failover(aspsms://K***y:****@default?sender=Shop allmysms://L***N:****@default)"


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        ("aspsms://USERKEY:Xy7/Secret@default?sender=Shop", ("USERKEY", "Xy7", "Secret")),  # raw '/'
        ("aspsms://USERKEY:12/Secret@default", ("USERKEY", "12", "Secret")),  # reads as host:port + path
        ("aspsms://USERKEY:12?ss=Secret@default", ("USERKEY", "Secret")),  # reads as a query
        ("aspsms://USERKEY:Xy7?Secret@default", ("USERKEY", "Xy7", "Secret")),
        ("aspsms://USERKEY:Xy7#Secret@default", ("USERKEY", "Xy7", "Secret")),
        ("aspsms://USERKEY:P@zq9/Secret@default", ("USERKEY", "zq9", "Secret")),  # reads as host zq9
    ],
)
def test_a_malformed_url_is_shown_and_refused_without_its_userinfo(url: str, hidden: tuple[str, ...]) -> None:
    assert mask_url(url) == "aspsms://(malformed; credentials not shown)"
    with pytest.raises(ConfigurationError) as info:
        parse_url(url)
    for part in hidden:
        assert part not in str(info.value), part
    assert "percent-encode" in str(info.value)


def test_an_invalid_port_is_shown_with_the_url_masked() -> None:
    with pytest.raises(ConfigurationError, match=r"out of range in 'x://u\*\*\*r:\*\*\*\*@host:99999'"):
        parse_url("x://user:Secret@host:99999")


def test_account_url_repr_hides_credentials() -> None:
    parsed = parse_url("spy://alice:Secret@default")
    assert "Secret" not in repr(parsed)


def test_reprs_hold_no_secret(spy: Any) -> None:
    account = smsbridge.connect("spy://alice:VerySecret@default")
    for shown in (repr(account), account.url, repr(account.ctx), repr(account.ctx.config), repr(account.ctx.http)):
        assert "VerySecret" not in shown
