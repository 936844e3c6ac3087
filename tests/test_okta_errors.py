"""Okta error bodies become typed errors whose remedy a human can act on, with no secret inside."""

from __future__ import annotations

import pytest
from okta_support import fixtures
from pydantic import SecretStr

from wizard.okta import errors as E

clock, sim, make_client = fixtures.clock, fixtures.sim, fixtures.make_client


def body(code: str, summary: str, *causes: str) -> dict:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae123",
        "errorCauses": [{"errorSummary": c} for c in causes],
    }


@pytest.mark.parametrize(
    ("status", "code", "cls", "phrase"),
    [
        (401, "E0000011", E.OktaAuthError, "Security → API → Tokens"),
        (401, "E0000015", E.OktaFeatureNotEnabledError, "does not have the feature"),  # recorded as 401
        (429, "E0000047", E.OktaRateLimitError, "rate limit"),
        (404, "E0000007", E.OktaNotFoundError, "no longer exists"),
        (500, "E0000009", E.OktaServerError, "status.okta.com"),
        (401, None, E.OktaAuthError, "API token"),
    ],
)
def test_error_codes_map_to_types_with_remedies(status, code, cls, phrase):
    error = E.error_from_response(
        status, body(code, "Summary") if code else None, request_id="req-1", operation="get_org"
    )
    assert type(error) is cls
    assert phrase in error.remedy
    assert error.request_id == "req-1" and "req-1" in str(error)
    assert error.status == status and error.error_code == code


def test_feature_not_enabled_at_the_app_create_names_the_saml_feature():
    error = E.error_from_response(401, body("E0000015", "x"), request_id=None, operation="create_saml_app")
    assert type(error) is E.OktaFeatureNotEnabledError and "custom SAML 2.0 app" in error.remedy


def test_permission_error_names_the_scope_and_role_for_the_call():
    error = E.error_from_response(
        403, body("E0000006", "You do not have permission"), request_id=None, operation="create_user"
    )
    assert isinstance(error, E.OktaPermissionError)
    assert "okta.users.manage" in error.remedy
    assert "creating the user" in error.remedy
    logs = E.error_from_response(
        403, body("E0000006", "x"), request_id=None, operation="query_provisioning_failures"
    )
    assert "okta.logs.read" in logs.remedy


def test_every_client_operation_has_a_scope():
    from wizard.okta.client import OktaClient

    operations = {name for name in vars(OktaClient) if not name.startswith("_")} - E.NOT_OPERATIONS
    missing = operations - set(E.OPERATION_PERMISSIONS)
    assert not missing, f"add these to OPERATION_PERMISSIONS: {sorted(missing)}"


def test_password_policy_error_shows_the_policy_message():
    error = E.error_from_response(
        403,
        body(
            "E0000080",
            "The password does not meet the complexity requirements",
            "Password requirements were not met. Password requirements: at least 8 characters.",
        ),
        request_id=None,
        operation="create_user",
    )
    assert isinstance(error, E.OktaPasswordPolicyError)
    assert "at least 8 characters" in error.remedy


def test_mapped_attribute_error_names_the_attribute():
    error = E.error_from_response(
        403,
        body(
            "E0000075",
            "Cannot modify the locale attribute because it has a field mapping and profile push is enabled.",
        ),
        request_id=None,
        operation="assign_group",
    )
    assert isinstance(error, E.OktaMappedAttributeError)
    assert error.attribute == "locale"
    assert "locale" in error.remedy and "without it" in error.remedy


def test_duplicate_login_is_recognised_from_the_causes():
    error = E.error_from_response(
        400,
        body(
            "E0000001",
            "Api validation failed: login",
            "login: An object with this field already exists in the current organization",
        ),
        request_id=None,
        operation="create_user",
    )
    assert isinstance(error, E.OktaValidationError) and error.is_duplicate
    assert "already exists" in str(error)
    assert "login is taken" in error.remedy


async def test_no_secret_reaches_any_error_message(sim, make_client):
    password = "weak"
    async with make_client() as okta:
        with pytest.raises(E.OktaPasswordPolicyError) as policy:
            login = "pat@acme.example.com"
            await okta.create_user(
                {"firstName": "P", "lastName": "L", "email": login, "login": login}, SecretStr(password), []
            )
    text = str(policy.value) + repr(policy.value.causes)
    assert sim.api_token not in text
    assert f" {password} " not in f" {text} "
    assert "at least 8 characters" in policy.value.remedy


def test_remedies_are_sentences():
    classes = [
        E.OktaAuthError,
        E.OktaFeatureNotEnabledError,
        E.OktaRateLimitError,
        E.OktaNotFoundError,
        E.OktaServerError,
        E.OktaUnsafeRequestError,
        E.OktaOAuthError,
        E.OktaTimeoutError,
        E.OktaConnectError,
        E.OktaTLSError,
        E.OktaProxyError,
        E.OktaConnectionDropped,
    ]
    for cls in classes:
        remedy = cls("x").remedy
        assert remedy[0].isupper() and remedy.endswith("."), cls
