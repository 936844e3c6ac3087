"""Cleaning a pasted bearer token, and never repeating it in a message."""

from __future__ import annotations

import pytest

from wizard.kandji.tokens import TokenInputError, clean_bearer_token, mask_token

TOKEN = "3f1c9a2b-77de-4c1a-9e0f-5b6a7c8d9e0f"


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        (TOKEN, []),
        (f"  {TOKEN}\n", ["removed spaces or line breaks around the token"]),
        (f"{TOKEN}\r\n", ["removed spaces or line breaks around the token"]),
        (f'"{TOKEN}"', ["removed the quotes around the token"]),
        (f"'{TOKEN}'", ["removed the quotes around the token"]),
        (f"“{TOKEN}”", ["removed the quotes around the token"]),
        (f"Bearer {TOKEN}", ["removed the 'Bearer ' prefix; the wizard adds it itself"]),
        (f"bearer   {TOKEN}", ["removed the 'Bearer ' prefix; the wizard adds it itself"]),
        (
            f"Authorization: Bearer {TOKEN}",
            [
                "removed the 'Authorization:' header name",
                "removed the 'Bearer ' prefix; the wizard adds it itself",
            ],
        ),
        (
            f' "Bearer {TOKEN}" ',
            [
                "removed spaces or line breaks around the token",
                "removed the quotes around the token",
                "removed the 'Bearer ' prefix; the wizard adds it itself",
            ],
        ),
    ],
)
def test_paste_slips_are_removed_and_noted(text: str, notes: list[str]) -> None:
    token, seen = clean_bearer_token(text)
    assert token.get_secret_value() == TOKEN
    assert seen == notes
    assert TOKEN not in repr(token)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("  \n", "empty"),
        ('""', "empty"),
        ("Bearer ", "empty"),
        ("Bearer", "empty"),
        (f"{TOKEN[:10]} {TOKEN[10:]}", "inside it"),
        (f"{TOKEN[:10]}\n{TOKEN[10:]}", "inside it"),
        (f"{TOKEN[:10]}\x1b[201~{TOKEN[10:]}", "control characters"),
        (f"{TOKEN}\x00", "control characters"),
        (f"{TOKEN}é", "non-ASCII"),
        ("abc", "too short"),
        ("x" * 5000, "far longer than a token"),
    ],
)
def test_impossible_tokens_are_refused_without_echoing_them(text: str, words: str) -> None:
    with pytest.raises(TokenInputError) as caught:
        clean_bearer_token(text)
    message = str(caught.value)
    assert words in message
    if len(text.strip()) >= 3:
        assert text.strip() not in message


def test_mask_shows_only_the_last_four_of_a_long_token() -> None:
    assert mask_token(TOKEN) == "****9e0f"
    assert mask_token("shorttoken") == "****"
