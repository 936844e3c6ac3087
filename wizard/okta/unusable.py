"""Answers from the Okta org's address that cannot be Okta's API answering: a redirect, a web
page, a body past the size cap, JSON that cannot be read. Each names what it was, because the
admin's fix (the org URL, a proxy, a captive portal) is not "Okta had a server error"."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx

from wizard.bounded import AnswerTooLarge, megabytes
from wizard.okta import errors as E

_CHECK_PATH = (
    "Check that the org URL is your org's own address (https://<org>.okta.com or its custom "
    "domain) and whether a proxy, VPN or captive portal sits in between; then run again — what "
    "is done so far is saved."
)


class OktaUnusableAnswer(E.OktaError):
    """Base: something answered at the org's address, but not as Okta's API does."""

    cause = "Okta's address gave an answer that cannot be Okta's API"
    default_remedy = _CHECK_PATH


class OktaRedirectError(E.OktaUnsafeRequestError, OktaUnusableAnswer):
    """A 3xx: never followed, so no credential left for the other address."""

    def __init__(self, response: httpx.Response, operation: str) -> None:
        location = response.headers.get("location", "")
        target = urljoin(str(response.request.url), location) if location else ""
        where = f" to {target[:120]}" if target else " (with no Location)"
        other = urlsplit(target).netloc if target else ""
        self.location = target
        self.cause = f"Okta answered with a redirect (HTTP {response.status_code}){where}"
        super().__init__(
            f"Okta answered with a redirect (HTTP {response.status_code}){where}, which was not followed",
            status=response.status_code,
            request_id=response.headers.get("x-okta-request-id"),
            operation=operation,
            remedy=(
                "The wizard never follows a redirect, so the credentials were not sent"
                f"{f' to {other}' if other else ' anywhere else'}. Okta's API does not redirect: the "
                "org URL is not the org's own address (a vanity or old domain), or a proxy or "
                f"captive portal intercepted the call. {_CHECK_PATH}"
            ),
        )


class OktaHtmlAnswer(OktaUnusableAnswer):
    """A web page (a sign-in page, a proxy's or captive portal's page) instead of JSON."""

    def __init__(self, response: httpx.Response, operation: str) -> None:
        kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
        self.cause = (
            f"Okta's address answered with a web page (HTTP {response.status_code}, {kind}), not the API"
        )
        super().__init__(
            f"The org's address answered HTTP {response.status_code} with a web page ({kind}) instead of "
            "the API's JSON",
            status=response.status_code,
            request_id=response.headers.get("x-okta-request-id"),
            operation=operation,
            remedy=(
                "Okta's API answers JSON, so this page came from something else: a proxy's or "
                "captive portal's sign-in page, or an address that is not the org's API. Open the "
                f"org URL in a browser on this network to see which page answers. {_CHECK_PATH}"
            ),
        )


class OktaMalformedAnswer(OktaUnusableAnswer):
    """A body that is not readable JSON (cut short, not text, nested too deeply…)."""

    def __init__(self, response: httpx.Response, operation: str, why: str) -> None:
        self.cause = f"Okta's answer could not be read: {why}"
        super().__init__(
            f"Okta answered HTTP {response.status_code}, but {why}",
            status=response.status_code,
            request_id=response.headers.get("x-okta-request-id"),
            operation=operation,
            remedy=(
                "Okta's API answers plain JSON, so the answer was damaged on the way or came from "
                f"something else. Run again; if it repeats: {_CHECK_PATH}"
            ),
        )


class OktaAnswerTooLarge(OktaUnusableAnswer):
    """A body past the size cap: refused while it streamed in, never held whole."""

    def __init__(self, exc: AnswerTooLarge, operation: str) -> None:
        self.cause = f"{exc.host} answered {exc.call} with {exc.size}"
        super().__init__(
            str(exc),
            operation=operation,
            remedy=(
                f"No answer the wizard asks Okta for comes near {megabytes(exc.limit)} (a page holds "
                f"at most 200 objects), so it was refused rather than held in memory. {_CHECK_PATH}"
            ),
        )
