"""Every form a key takes is blanked, and a key that would leak through an error is refused."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest

from contract.errors import ConfigurationError
from contract.secrets import REDACTED, Redactor, check_key, secret_forms

# Odd characters on purpose: each escaping writes this key differently.
KEY = "api_canary+key/with=odd'chars\"and\\slash"


def _basic(user: str) -> str:
    return base64.b64encode(user.encode()).decode("ascii")


FORMS = {
    "as is": KEY,
    "repr": repr(KEY)[1:-1],
    "bytes repr": repr(KEY.encode())[2:-1],
    "json": json.dumps(KEY)[1:-1],
    "url (path)": quote(KEY),
    "url (segment)": quote(KEY, safe=""),
    "url (form)": quote_plus(KEY),
    "basic": _basic(f"{KEY}:"),
    "basic unpadded": _basic(f"{KEY}:").rstrip("="),
    # Basic credentials of the key alone (a client that leaves out the colon).
    "basic, no colon": _basic(KEY),
    "basic, no colon, unpadded": _basic(KEY).rstrip("="),
    "basic url-encoded": quote(_basic(f"{KEY}:"), safe=""),
    "bearer": f"Bearer {KEY}",
    "xml": html.escape(KEY),
}


@pytest.mark.parametrize("form", sorted(FORMS), ids=str)
def test_every_escaped_form_of_a_key_is_blanked(form: str) -> None:
    text = f"before {FORMS[form]} after"
    blanked = Redactor([KEY])(text)
    # The whole form goes, not a piece of it: nothing of it is left beside the mark.
    assert blanked == ("before Bearer " if form == "bearer" else "before ") + f"{REDACTED} after"
    for shown in FORMS.values():
        assert shown not in blanked


def test_a_repr_of_a_message_quoting_the_key_with_a_carriage_return_is_blanked() -> None:
    # The error httpx's h11 raises for an illegal header value quotes it as bytes repr.
    key = "api_canary_key_0123456789\r"
    message = f"Illegal header value {f'Bearer {key}'.encode()!r}"
    assert "\\r" in message and Redactor([key])(message).count(REDACTED) == 1


def test_forms_come_longest_first_and_skip_empty_keys() -> None:
    forms = secret_forms(["", KEY])
    assert forms == sorted(forms, key=len, reverse=True) and "" not in forms


@pytest.mark.parametrize(
    ("key", "named"),
    [
        ("api_canary_key_0123456789\r", "U+000D (CARRIAGE RETURN)"),
        ("api_canary_key_0123456789\n", "U+000A (LINE FEED)"),
        ("api_canary\tkey_0123456789", "U+0009"),
        ("api_canary_key_0123456789 ", "U+0020 (SPACE)"),
        ("api_canary_kéy_0123456789", "U+00E9"),
        ("api_canary_key_0123456789\x7f", "U+007F"),
    ],
)
def test_a_key_with_a_control_or_non_printable_character_is_refused_unshown(
    key: str, named: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        check_key(key, "CLOSE_API_KEY")
    message = str(refused.value)
    assert named in message and "CLOSE_API_KEY" in message
    assert "api_canary" not in message and "0123456789" not in message


def test_a_printable_key_is_accepted_and_a_short_one_refused() -> None:
    assert check_key(KEY) == KEY
    with pytest.raises(ConfigurationError, match="cannot be told apart"):
        check_key("short")


def test_the_pytest_plugin_blanks_the_keys_in_test_reports(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a key in the environment, and a test whose failure shows it (-l shows locals)
    canary = "api_canary_plugin_key_0123456789"
    monkeypatch.setenv("CLOSE_OTHER_API_KEY", canary)
    pytester.makepyfile(
        f"""
        def test_leak():
            key = {canary!r}
            print("captured", key)
            assert key == "something else"
        """
    )

    # When the test fails with locals shown
    result = pytester.runpytest_inprocess("-l", "-rA")

    # Then the report shows the failure, and no form of the key
    result.assert_outcomes(failed=1)
    text = "\n".join(result.outlines + result.errlines)
    assert "[REDACTED]" in text and "captured" in text
    for form in secret_forms([canary]):
        assert form not in text


def test_unpadded_basic_credentials_are_blanked_where_url_encoding_would_change_them() -> None:
    # Given a key whose Basic credentials hold '/' and '+' and need padding, so that no
    # URL-encoded form is the same text as the raw unpadded one,
    key = "api_key_000000_???>>>~~~"
    basic = _basic(f"{key}:")
    assert basic.endswith("=") and "/" in basic and "+" in basic
    # then the unpadded credentials, as a log line might show them, are blanked whole.
    text = f"Authorization: Basic {basic.rstrip('=')}"
    assert Redactor([key])(text) == f"Authorization: Basic {REDACTED}"
