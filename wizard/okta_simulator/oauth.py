"""The org authorization server's client-credentials flow with private_key_jwt and DPoP.

Enough of Okta's `/oauth2/v1/token` to test the client for real: it verifies the client
assertion against the registered public key, demands a DPoP nonce first (`use_dpop_nonce`),
binds the access token to the proof key (`cnf.jkt`), and checks each API call's proof
(`htm`, `htu`, `iat`, `ath`, unique `jti`).
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from wizard.okta.auth import CLIENT_ASSERTION_TYPE, access_token_hash

PROOF_MAX_AGE = 300
TOKEN_LIFETIME = 3600


class OAuthFailure(Exception):
    def __init__(self, status: int, error: str, description: str, *, nonce: str | None = None) -> None:
        self.status = status
        self.error = error
        self.description = description
        self.nonce = nonce
        super().__init__(f"{error}: {description}")


@dataclass
class ServiceApp:
    client_id: str
    public_jwk: dict[str, Any]
    scopes: frozenset[str]
    require_dpop: bool = True


@dataclass
class AccessToken:
    client_id: str
    scopes: frozenset[str]
    expires: float
    jkt: str | None


@dataclass
class AuthorizationServer:
    clock: Any
    apps: dict[str, ServiceApp] = field(default_factory=dict)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    # Set to make API calls demand their own DPoP nonce too (Okta may; the client must cope).
    api_nonce: str | None = None
    seen_jti: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, app: ServiceApp) -> None:
        self.apps[app.client_id] = app

    def token(self, form: dict[str, str], dpop: str | None, token_url: str) -> dict[str, Any]:
        from joserfc import jws, jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import import_key

        if form.get("grant_type") != "client_credentials":
            raise OAuthFailure(400, "unsupported_grant_type", "The grant type is not supported.")
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE or not form.get("client_assertion"):
            raise OAuthFailure(401, "invalid_client", "A client assertion (private_key_jwt) is required.")
        assertion = form["client_assertion"]
        try:
            claims = json.loads(jws.extract_compact(assertion.encode()).payload)
        except (JoseError, ValueError):
            raise OAuthFailure(401, "invalid_client", "The client_assertion is not a JWT.") from None
        app = self.apps.get(str(claims.get("iss")))
        now = self.clock()
        if app is None or claims.get("sub") != app.client_id:
            raise OAuthFailure(401, "invalid_client", "Client authentication failed.")
        if claims.get("aud") != token_url or not isinstance(claims.get("exp"), int) or claims["exp"] < now:
            raise OAuthFailure(401, "invalid_client", "The client_assertion audience or expiry is invalid.")
        try:
            jwt.decode(assertion, import_key(app.public_jwk), algorithms=["RS256", "ES256"])
        except (JoseError, ValueError):
            raise OAuthFailure(401, "invalid_client", "The client_assertion signature is invalid.") from None
        with self.lock:
            jti = str(claims.get("jti"))
            if jti in self.seen_jti:
                raise OAuthFailure(401, "invalid_client", "The client_assertion token has already been used.")
            self.seen_jti.add(jti)
        requested = frozenset((form.get("scope") or "").split())
        if not requested or not requested <= app.scopes:
            missing = " ".join(sorted(requested - app.scopes)) or "(none requested)"
            raise OAuthFailure(400, "invalid_scope", f"The following scopes are not allowed: {missing}")
        jkt = None
        if dpop is None:
            if app.require_dpop:
                raise OAuthFailure(400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
        else:
            proof = self.check_proof(dpop, "POST", token_url, nonce=self.nonce)
            jkt = proof
        access = secrets.token_urlsafe(32)
        self.tokens[access] = AccessToken(app.client_id, requested, now + TOKEN_LIFETIME, jkt)
        return {
            "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "access_token": access,
            "scope": " ".join(sorted(requested)),
        }

    def check_proof(
        self, proof: str, method: str, url: str, *, nonce: str | None, access_token: str | None = None
    ) -> str:
        """Verify a DPoP proof; returns the key's thumbprint (`jkt`)."""
        from joserfc import jws, jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import ECKey, RSAKey, import_key

        try:
            header = jws.extract_compact(proof.encode()).headers()
            if header.get("typ") != "dpop+jwt" or header.get("alg") not in ("ES256", "RS256"):
                raise ValueError("typ/alg")
            key = import_key(header["jwk"])
            if not isinstance(key, ECKey | RSAKey) or key.is_private:
                raise ValueError("jwk")
            claims = jwt.decode(proof, key, algorithms=[header["alg"]]).claims
        except (JoseError, ValueError, KeyError, TypeError):
            raise OAuthFailure(400, "invalid_dpop_proof", "The DPoP proof JWT is invalid.") from None
        now = self.clock()
        if claims.get("htm") != method or claims.get("htu") != url.split("?", 1)[0]:
            raise OAuthFailure(
                400, "invalid_dpop_proof", "The DPoP proof htm or htu does not match the request."
            )
        if not isinstance(claims.get("iat"), int) or abs(claims["iat"] - now) > PROOF_MAX_AGE:
            raise OAuthFailure(
                400, "invalid_dpop_proof", "The DPoP proof iat is too far from the server time."
            )
        if nonce is not None and claims.get("nonce") != nonce:
            raise OAuthFailure(400, "use_dpop_nonce", "A nonce is required in the DPoP proof.", nonce=nonce)
        if access_token is not None and claims.get("ath") != access_token_hash(access_token):
            raise OAuthFailure(
                401, "invalid_dpop_proof", "The DPoP proof ath does not match the access token."
            )
        with self.lock:
            jti = str(claims.get("jti"))
            if not claims.get("jti") or jti in self.seen_jti:
                raise OAuthFailure(400, "invalid_dpop_proof", "The DPoP proof jti is missing or reused.")
            self.seen_jti.add(jti)
        return key.thumbprint()

    def access(self, scheme: str, token: str, proof: str | None, method: str, url: str) -> AccessToken | None:
        """The token's grant, or None when the token or its proof does not hold. Raises
        `OAuthFailure(use_dpop_nonce)` when the API wants a nonce the proof lacks."""
        grant = self.tokens.get(token)
        if grant is None or grant.expires <= self.clock():
            return None
        if grant.jkt is None:
            return grant if scheme == "bearer" else None
        if scheme != "dpop" or proof is None:
            return None
        try:
            jkt = self.check_proof(proof, method, url, nonce=self.api_nonce, access_token=token)
        except OAuthFailure as failure:
            if failure.error == "use_dpop_nonce":
                raise
            return None
        return grant if jkt == grant.jkt else None
