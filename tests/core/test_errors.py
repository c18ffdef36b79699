from __future__ import annotations

import inspect
from typing import Any

import pytest

import smsbridge
from smsbridge import errors
from smsbridge.errors import Outcome

ALL = [getattr(errors, name) for name in errors.__all__ if inspect.isclass(getattr(errors, name))]
ERRORS = [cls for cls in ALL if issubclass(cls, Exception)]


def test_every_error_is_drawn_in_the_tree() -> None:
    doc = errors.__doc__ or ""
    for cls in ERRORS:
        assert cls.__name__ in doc, f"{cls.__name__} missing from the tree in errors.py's docstring"


def test_every_error_is_an_smsbridge_error_and_exported() -> None:
    for cls in ERRORS:
        assert issubclass(cls, errors.SmsBridgeError)
        assert getattr(smsbridge, cls.__name__) is cls


@pytest.mark.parametrize(
    ("cls", "outcome"),
    [
        (errors.ConnectError, Outcome.NOT_SENT),
        (errors.ReadTimeoutError, Outcome.UNKNOWN),
        (errors.ConnectionLostError, Outcome.UNKNOWN),
        (errors.AuthenticationError, Outcome.NOT_SENT),
        (errors.InsufficientCreditError, Outcome.NOT_SENT),
        (errors.RateLimitedError, Outcome.NOT_SENT),
        (errors.UnreadableReplyError, Outcome.UNKNOWN),
        (errors.DuplicateError, Outcome.ALREADY_ACCEPTED),
        (errors.ConfigurationError, Outcome.NOT_SENT),
    ],
)
def test_outcomes(cls: Any, outcome: Outcome) -> None:
    assert cls.outcome is outcome
    assert cls("x").certainly_not_sent is (outcome is Outcome.NOT_SENT)


def test_provider_error_text_names_provider_code_status_and_hint() -> None:
    error = errors.AuthenticationError(
        "authorization failed", provider="aspsms", http_status=401, code="3", text="Authorization failed."
    )
    text = str(error)
    assert text.startswith("[aspsms] authorization failed")
    assert "code 3" in text and "HTTP 401" in text and "credentials" in text
    assert repr(error).startswith("AuthenticationError(")


def test_unknown_provider_error() -> None:
    error = errors.UnknownProviderError("junub", ["console", "memory"])
    assert "console, memory" in str(error)
    assert error.package is None


# ---------------------------------------------------------------------------- pickling, keywords


def _example(cls: type[errors.SmsBridgeError]) -> errors.SmsBridgeError:
    """One instance of ``cls`` with every field its constructor takes set to a telling value."""
    from smsbridge.models import RawReply

    if cls is errors.UnknownProviderError:
        return cls("junub", ["console", "memory"], "smsbridge-junubsms")
    if cls is errors.ProviderUnavailableError:
        return cls("broken", provider_id="junubsms", reason="conflict", plugins=["a (x)", "b (y)"], hint="fix it")
    values: dict[str, Any] = {
        "provider": "aspsms",
        "hint": "do this",
        "url": "https://api.example/send",
        "http_status": 503,
        "code": "E42",
        "text": "said no",
        "raw": RawReply(status=503, body="no", content_type="text/plain", url="https://api.example/send"),
        "before_request": True,
        "recipient": "+41791234567",
        "holder": "host:1234",
        "outcome": Outcome.UNKNOWN,
    }
    accepted = inspect.signature(cls.__init__).parameters
    return cls("it failed", **{k: v for k, v in values.items() if k in accepted})


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_round_trips_through_pickle(cls: type[errors.SmsBridgeError]) -> None:
    import pickle

    error = _example(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert copy.__dict__ == error.__dict__
    assert copy.args == error.args
    assert str(copy) == str(error) and repr(copy) == repr(error)
    assert copy.outcome is error.outcome
    fields = set(vars(error)) - {"message", "hint"}
    assert fields, "the example sets fields"


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_rejects_an_unknown_keyword_naming_it(cls: type[errors.SmsBridgeError]) -> None:
    with pytest.raises(TypeError, match="provder"):
        cls("x", provder="aspsms")  # type: ignore[call-arg]


def test_a_pickled_provider_error_keeps_only_the_redacted_reply() -> None:
    import pickle

    from smsbridge.models import RawReply
    from smsbridge.redaction import Redactor

    redactor = Redactor()
    redactor.add("s3cret-pass")
    raw = RawReply(status=401, body="pass=s3cret-pass refused", url="https://x/?pass=s3cret-pass", redactor=redactor)
    error = errors.AuthenticationError("refused", provider="aspsms", raw=raw)
    data = pickle.dumps(error)
    assert b"s3cret-pass" not in data
    assert pickle.loads(data).raw.body == error.raw.body
