"""The two ways the wizard authenticates to Okta (DESIGN §4.1), and the JOSE pieces OAuth needs.

- `ApiTokenAuth`: `Authorization: SSWS <token>`.
- `OAuthServiceAuth`: an API service app using client credentials with `private_key_jwt`
  (RS256 or ES256) and DPoP (RFC 9449). The client (`OktaClient`) drives the token request;
  this module only builds the signed JWTs.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

if TYPE_CHECKING:
    from joserfc.jwk import ECKey, RSAKey

DEFAULT_SCOPES: tuple[str, ...] = (
    "okta.orgs.read",
    "okta.apps.read",
    "okta.apps.manage",
    "okta.groups.read",
    "okta.groups.manage",
    "okta.users.read",
    "okta.users.manage",
    "okta.schemas.read",
    "okta.logs.read",
)
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/oauth2/v1/token"
# Okta caps a client assertion's lifetime at one hour; five minutes is plenty for one request.
ASSERTION_LIFETIME = 300


class InvalidPrivateKey(ValueError):
    """The PEM could not be used as an RS256/ES256 signing key. `str()` says what to do."""


def clean_api_token(text: str) -> tuple[SecretStr, list[str]]:
    """An Okta API token as pasted or set in the environment, cleaned like a bearer token (spaces,
    quotes, an `Authorization:` or `SSWS ` prefix removed); raises `TokenInputError` (a sentence
    that never repeats the text) for anything that cannot be sent as a header."""
    import re

    from wizard.kandji.tokens import clean_bearer_token

    notes: list[str] = []
    value = text.strip().strip("\"'")
    without = re.sub(r"^(?:authorization\s*:\s*)?ssws\s+", "", value, count=1, flags=re.IGNORECASE)
    if without != value:
        notes.append("removed the 'SSWS ' prefix; the wizard adds it itself")
        text = without
    token, more = clean_bearer_token(text, issuer="Okta")
    return token, notes + more


@dataclass(frozen=True)
class ApiTokenAuth:
    token: SecretStr

    def header(self) -> str:
        return f"SSWS {self.token.get_secret_value()}"


@dataclass(frozen=True)
class OAuthServiceAuth:
    client_id: str
    private_key_pem: SecretStr
    key_id: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    _key: RSAKey | ECKey | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_pem_file(
        cls,
        client_id: str,
        path: str | Path,
        *,
        key_id: str | None = None,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
    ) -> OAuthServiceAuth:
        try:
            text = Path(path).expanduser().read_text()
        except OSError as exc:
            raise InvalidPrivateKey(
                f"Could not read the private key file {path} ({exc.strerror}). Check the path."
            ) from None
        return cls(client_id, SecretStr(text), key_id=key_id, scopes=scopes)

    def signing_key(self) -> RSAKey | ECKey:
        if self._key is None:
            object.__setattr__(self, "_key", load_signing_key(self.private_key_pem))
        assert self._key is not None
        return self._key

    @property
    def algorithm(self) -> str:
        return algorithm_for(self.signing_key())

    def client_assertion(self, token_url: str, now: float) -> str:
        """A `private_key_jwt` client assertion for the org authorization server."""
        from joserfc import jwt

        key = self.signing_key()
        header: dict[str, str] = {"alg": algorithm_for(key)}
        if self.key_id:
            header["kid"] = self.key_id
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url,
            "iat": int(now),
            "exp": int(now) + ASSERTION_LIFETIME,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode(header, claims, key)


def load_signing_key(pem: SecretStr) -> RSAKey | ECKey:
    from joserfc.jwk import ECKey, RSAKey

    text = pem.get_secret_value().strip()
    if "PRIVATE KEY" not in text:
        raise InvalidPrivateKey(
            "That is not a PEM private key (its first line should be a BEGIN … PRIVATE KEY line). "
            "Use the private key of the key pair whose public key is registered on the service app."
        )
    key: RSAKey | ECKey | None = None
    for key_class in (RSAKey, ECKey):
        try:
            key = key_class.import_key(text.encode())
            break
        except Exception:  # the library's message could echo key material; say only what to do
            continue
    if key is None:
        raise InvalidPrivateKey(
            "The private key could not be read. Export it as an unencrypted PEM (PKCS#8) RSA or "
            "P-256 EC key."
        )
    if isinstance(key, RSAKey) and key.is_private:
        return key
    if isinstance(key, ECKey) and key.is_private and key.curve_name == "P-256":
        return key
    raise InvalidPrivateKey("Okta service apps need an RSA or P-256 EC private key (RS256 or ES256).")


def algorithm_for(key: RSAKey | ECKey) -> str:
    return "RS256" if key.key_type == "RSA" else "ES256"


def access_token_hash(token: str) -> str:
    """The DPoP `ath` claim: base64url(SHA-256(access token)) without padding."""
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class DPoPKey:
    """A per-session ephemeral P-256 key that signs DPoP proofs (RFC 9449 §4)."""

    def __init__(self) -> None:
        from joserfc.jwk import ECKey

        self._key = ECKey.generate_key("P-256")
        self.public_jwk = self._key.as_dict(private=False)

    def proof(
        self,
        method: str,
        url: str,
        now: float,
        *,
        nonce: str | None = None,
        access_token: str | None = None,
    ) -> str:
        from joserfc import jwt

        claims: dict[str, str | int] = {
            "htm": method.upper(),
            "htu": url.split("?", 1)[0].split("#", 1)[0],
            "iat": int(now),
            "jti": secrets.token_urlsafe(24),
        }
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["ath"] = access_token_hash(access_token)
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.public_jwk}
        return jwt.encode(header, claims, self._key)


Auth = ApiTokenAuth | OAuthServiceAuth
