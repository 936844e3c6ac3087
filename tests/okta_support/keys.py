"""Service-app key pairs for OAuth tests, registered on the simulator."""

from __future__ import annotations

from joserfc.jwk import ECKey, RSAKey
from pydantic import SecretStr

from wizard.okta.auth import DEFAULT_SCOPES, OAuthServiceAuth
from wizard.okta_simulator import OktaSimulator


def new_key(alg: str) -> RSAKey | ECKey:
    return RSAKey.generate_key(2048) if alg == "RS256" else ECKey.generate_key("P-256")


def service_app_auth(
    sim: OktaSimulator,
    alg: str = "ES256",
    *,
    granted: set[str] | None = None,
    client_id: str = "0oaservice0000000001",
    key_id: str | None = "kid-1",
    require_dpop: bool = True,
) -> OAuthServiceAuth:
    key = new_key(alg)
    sim.register_service_app(
        client_id,
        key.as_dict(private=False),
        set(DEFAULT_SCOPES) if granted is None else granted,
        require_dpop=require_dpop,
    )
    pem = key.as_pem(private=True).decode()
    return OAuthServiceAuth(client_id, SecretStr(pem), key_id=key_id)
