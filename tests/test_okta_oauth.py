"""OAuth service-app auth for real: private_key_jwt (RS256, ES256) and DPoP with the nonce dance,
against the simulator's token endpoint, which verifies signatures, nonces, `ath` and key binding."""

from __future__ import annotations

import json

import pytest
from joserfc import jws
from okta_support import fixtures
from okta_support.keys import new_key, service_app_auth
from pydantic import SecretStr

from tests import loopback_http as web
from wizard.okta import errors as E
from wizard.okta.auth import InvalidPrivateKey, OAuthServiceAuth, load_signing_key

clock, sim, make_client = fixtures.clock, fixtures.sim, fixtures.make_client


def token_calls(okta) -> list[int | None]:
    return [r.status for r in okta.call_log if r.operation == "oauth_token"]


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_client_credentials_with_dpop_nonce_then_dpop_bound_calls(sim, make_client, alg):
    auth = service_app_auth(sim, alg)
    async with make_client(auth) as okta:
        org = await okta.get_org()
        await okta.find_app_by_label("Kandji SCIM App")
    assert org["subdomain"] == "acme"
    # First token request is refused with use_dpop_nonce, the second carries the nonce.
    assert token_calls(okta) == [400, 200]
    api = [ex for ex in sim.exchanges if ex.url.split("?")[0].endswith(("/org", "/apps"))]
    assert all(ex.request_headers["Authorization"].startswith("DPoP ") for ex in api)
    assert all(ex.request_headers.get("DPoP") for ex in api)


async def test_access_token_is_cached_until_shortly_before_expiry(sim, clock, make_client):
    auth = service_app_auth(sim)
    async with make_client(auth) as okta:
        await okta.get_org()
        await okta.get_org()
        clock.advance(3000)  # 50 minutes: still valid
        await okta.get_org()
        assert token_calls(okta) == [400, 200]
        clock.advance(500)  # inside the refresh margin of the one-hour token
        await okta.get_org()
        assert token_calls(okta) == [400, 200, 200]


async def test_a_proof_replayed_by_someone_else_is_refused(sim, make_client):
    auth = service_app_auth(sim)
    async with make_client(auth) as okta:
        await okta.get_org()
    (ex,) = [e for e in sim.exchanges if e.url.endswith("/api/v1/org")]

    # The same token and proof again: the jti was used, so the simulator answers 401.
    replay = web.get(
        sim.base_url + "/api/v1/org",
        headers={
            "Authorization": ex.request_headers["Authorization"],
            "DPoP": ex.request_headers["DPoP"],
        },
    )
    assert replay.status_code == 401
    bearer = web.get(
        sim.base_url + "/api/v1/org",
        headers={
            "Authorization": "Bearer " + ex.request_headers["Authorization"].split(" ", 1)[1],
        },
    )
    assert bearer.status_code == 401


async def test_missing_scope_names_the_scope_and_role(sim, make_client):
    granted = ("okta.orgs.read", "okta.groups.read")
    registered = service_app_auth(sim, granted=set(granted))
    auth = OAuthServiceAuth(registered.client_id, registered.private_key_pem, scopes=granted)
    async with make_client(auth) as okta:
        await okta.get_org()
        with pytest.raises(E.OktaPermissionError) as info:
            await okta.create_group("Kandji Users", "d")
    assert "okta.groups.manage" in info.value.remedy
    assert "Organization Administrator" in info.value.remedy  # what step 1's role check asks for


async def test_ungranted_scope_request_is_explained(sim, make_client):
    auth = service_app_auth(sim, granted={"okta.orgs.read"})
    async with make_client(auth) as okta:
        with pytest.raises(E.OktaOAuthError) as info:
            await okta.get_org()
    assert info.value.error_code == "invalid_scope"
    assert "Okta API Scopes tab" in info.value.remedy


async def test_wrong_key_is_invalid_client_without_leaking_the_key(sim, make_client):
    registered = service_app_auth(sim)
    other_pem = new_key("ES256").as_pem(private=True).decode()
    auth = OAuthServiceAuth(registered.client_id, SecretStr(other_pem))
    async with make_client(auth) as okta:
        with pytest.raises(E.OktaOAuthError) as info:
            await okta.get_org()
    assert info.value.error_code == "invalid_client"
    assert "public key" in info.value.remedy
    assert other_pem.splitlines()[1] not in str(info.value)


async def test_bearer_tokens_when_the_app_does_not_require_dpop(sim, make_client):
    auth = service_app_auth(sim, require_dpop=False, client_id="0oaservicenodpop0001")
    async with make_client(auth) as okta:
        await okta.get_org()
    assert token_calls(okta) == [400, 200]  # the client always offers DPoP; the nonce still applies


def test_private_key_problems_are_explained_without_echoing_the_key(tmp_path):
    with pytest.raises(InvalidPrivateKey, match="not a PEM private key"):
        load_signing_key(SecretStr("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))
    junk = "-----BEGIN PRIVATE KEY-----\nnot-base64-secret-material\n-----END PRIVATE KEY-----"
    with pytest.raises(InvalidPrivateKey) as info:
        load_signing_key(SecretStr(junk))
    assert "secret-material" not in str(info.value)
    with pytest.raises(InvalidPrivateKey, match="Could not read"):
        OAuthServiceAuth.from_pem_file("cid", tmp_path / "missing.pem")
    pem = tmp_path / "key.pem"
    pem.write_bytes(new_key("RS256").as_pem(private=True))
    auth = OAuthServiceAuth.from_pem_file("cid", pem, key_id="k1")
    assert auth.algorithm == "RS256"
    assert "BEGIN" not in repr(auth)


async def test_api_that_demands_its_own_dpop_nonce_gets_it_on_the_retry(sim, make_client):
    auth = service_app_auth(sim)
    sim.oauth.api_nonce = "api-nonce-1"
    async with make_client(auth) as okta:
        await okta.get_org()
        await okta.get_org()
    statuses = [(r.operation, r.status) for r in okta.call_log]
    assert statuses == [
        ("oauth_token", 400),
        ("oauth_token", 200),
        ("get_org", 401),
        ("get_org", 200),
        ("get_org", 200),
    ]
    token_request = next(ex for ex in sim.exchanges if ex.url.endswith("/token") and ex.status == 200)
    claims = json.loads(jws.extract_compact(token_request.request_headers["DPoP"].encode()).payload)
    assert claims["nonce"] == sim.oauth.nonce != "api-nonce-1"


async def test_service_apps_have_no_me(sim, make_client):
    async with make_client(service_app_auth(sim)) as okta:
        with pytest.raises(E.OktaNotFoundError) as info:
            await okta.get_me()
    assert "service app" in info.value.remedy
