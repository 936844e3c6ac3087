"""Clean a bearer token the admin pasted, without ever putting it in a message.

Pasting picks up stray bits: a line break, quotes from a chat message, the `Bearer ` prefix
from an HTTP example, or the whole `Authorization:` header. Those are removed and listed in the
notes; anything that cannot be a token (inner spaces, control characters, absurd lengths)
raises `TokenInputError`, whose `str()` describes the problem but never repeats the text.
"""

from __future__ import annotations

import re

from pydantic import SecretStr

MIN_LENGTH = 8
MAX_LENGTH = 4096
_QUOTES = "\"'`“”‘’"
_HEADER_PREFIX = re.compile(r"^authorization\s*:\s*", re.IGNORECASE)
_BEARER_PREFIX = re.compile(r"^bearer(?:\s+|$)", re.IGNORECASE)


class TokenInputError(ValueError):
    """The pasted text cannot be a bearer token. `str()` is a sentence for the admin, token-free."""


def clean_bearer_token(text: str, *, issuer: str = "Kandji") -> tuple[SecretStr, list[str]]:
    """Return the token and notes on what was removed, or raise `TokenInputError`. `issuer`
    names where the admin copies the token from, in the messages."""
    notes: list[str] = []
    value = text.strip()
    if value != text and value:
        notes.append("removed spaces or line breaks around the token")
    for _ in range(3):  # quotes around a header around quotes: peel a few layers, not forever
        before = value
        if len(value) >= 2 and value[0] in _QUOTES and value[-1] in _QUOTES:
            value = value[1:-1].strip()
            notes.append("removed the quotes around the token")
        if _HEADER_PREFIX.match(value):
            value = _HEADER_PREFIX.sub("", value, count=1)
            notes.append("removed the 'Authorization:' header name")
        if _BEARER_PREFIX.match(value):
            value = _BEARER_PREFIX.sub("", value, count=1).strip()
            notes.append("removed the 'Bearer ' prefix; the wizard adds it itself")
        if value == before:
            break

    if not value:
        raise TokenInputError(f"The token is empty. Paste the token {issuer} showed when you created it.")
    if len(value) > MAX_LENGTH:
        raise TokenInputError(
            f"That is {len(value)} characters, far longer than a token. Paste only the token, "
            "not a whole page or file."
        )
    if any(ch.isspace() for ch in value):
        raise TokenInputError(
            "The token contains spaces or line breaks inside it, so it was split or wrapped when "
            f"copied. Copy it again from {issuer} in one piece."
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise TokenInputError(
            "The token contains control characters (from the terminal or clipboard). Paste it again."
        )
    if not value.isascii():
        raise TokenInputError(
            "The token contains non-ASCII characters (for example typographic quotes or dashes), "
            f"which a token never has. Copy it again from {issuer} rather than from a document."
        )
    if len(value) < MIN_LENGTH:
        raise TokenInputError(
            f"That is only {len(value)} characters, too short to be a {issuer} token. Paste the whole token."
        )
    return SecretStr(value), notes


def mask_token(token: SecretStr | str) -> str:
    """`****abcd`: enough for an admin to tell two tokens apart, useless to anyone else."""
    value = token.get_secret_value() if isinstance(token, SecretStr) else token
    return f"****{value[-4:]}" if len(value) >= 16 else "****"
