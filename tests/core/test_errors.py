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
