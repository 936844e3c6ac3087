"""Read every user in Kandji's SCIM Users, page by page (doctor, reconcile).

SCIM pages with `startIndex` (1-based) and `count`. A server may return fewer than asked, so
the first request asks for a large page and the count the server actually returned becomes the
page size from then on (probed once); paging follows what each page returned and stops at
`totalResults`. One request at a time; 429 and 5xx are retried after a pause. Each answer is
read up to a size limit, so a hostile or broken server cannot make us hold an unbounded body.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from wizard.kandji import diagnose
from wizard.kandji.client import build_client
from wizard.kandji.urls import KandjiUrl

ASK_COUNT = 1000  # what the first page asks for; the server's answer sets the real size
MAX_PAGE_BYTES = 32 * 1024 * 1024
RETRIES = 4


class ScimListError(Exception):
    """Kandji's user list could not be read. `str()` is a sentence for the admin; `fix` says
    what to do."""

    def __init__(self, message: str, fix: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.fix = fix
        self.status = status


@dataclass(frozen=True)
class ScimPage:
    """One page: the users on it, where it started, where the next starts (None: the end)."""

    users: list[dict[str, Any]]
    start_index: int
    next_index: int | None
    total: int
    count: int  # the page size the server accepted


class ScimUserPager:
    """Use as `async with ScimUserPager(url, token) as pager: async for page in pager.pages():`."""

    def __init__(
        self,
        url: KandjiUrl,
        token: SecretStr,
        *,
        timeout: float = 30.0,
        ask: int = ASK_COUNT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = url
        self._token = token
        self._timeout = timeout
        self._ask = ask
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self.calls = 0

    async def __aenter__(self) -> ScimUserPager:
        self._client = build_client(self.url, self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def pages(self, start_index: int = 1, count: int | None = None) -> AsyncIterator[ScimPage]:
        """From `start_index` to the end. `count`: a page size an earlier run probed (skips the
        probe)."""
        index = max(1, start_index)
        size = count or self._ask
        while True:
            body = await self._get(index, size)
            resources = body.get("Resources") or []
            total = body.get("totalResults")
            if not isinstance(resources, list) or not isinstance(total, int) or isinstance(total, bool):
                raise ScimListError(
                    "Kandji's SCIM Users answer is not a SCIM ListResponse with an integer totalResults.",
                    diagnose.COPY_URL_FIX,
                )
            users = [r for r in resources if isinstance(r, dict)]
            if count is None:
                # The probe: whatever the server returned for a large ask is what it accepts.
                count = size = max(1, min(size, len(users))) if users else size
            following = index + len(users)
            next_index = following if users and following <= total else None
            yield ScimPage(users, index, next_index, total, size)
            if next_index is None:
                return
            index = next_index

    async def total(self) -> int:
        """How many users Kandji holds (one request for a single user)."""
        body = await self._get(1, 1)
        total = body.get("totalResults")
        if not isinstance(total, int):
            raise ScimListError("Kandji's SCIM Users answer has no integer totalResults.")
        return total

    async def _get(self, start_index: int, count: int) -> dict[str, Any]:
        assert self._client is not None, "use ScimUserPager as an async context manager"
        secret = self._token.get_secret_value()
        params = {"startIndex": str(start_index), "count": str(count)}
        for attempt in range(1, RETRIES + 1):
            self.calls += 1
            try:
                status, headers, raw = await self._read(params, secret)
            except httpx.HTTPError as exc:
                if attempt < RETRIES and isinstance(exc, httpx.TimeoutException | httpx.RemoteProtocolError):
                    await self._sleep(2.0 * attempt)
                    continue
                d = diagnose.transport_error(exc, self.url, self._timeout)
                raise ScimListError(f"{d.detail} {d.cause}".strip(), d.fix) from None
            if (status == 429 or status >= 500) and attempt < RETRIES:
                await self._sleep(_retry_after(headers, attempt))
                continue
            response = httpx.Response(status, headers=headers, content=raw)
            response.request = httpx.Request("GET", self.url.base_url + "/Users")
            body = diagnose.parse_json(response)
            if status != 200 or not isinstance(body, dict):
                d = diagnose.unexpected_response(response, self.url, sent_token=True, secret=secret)
                raise ScimListError(f"{d.detail} {d.cause}".strip(), d.fix, status)
            return body
        raise ScimListError("Kandji kept failing to list its users.")  # pragma: no cover

    async def _read(self, params: dict[str, str], secret: str) -> tuple[int, httpx.Headers, bytes]:
        assert self._client is not None
        request = self._client.build_request(
            "GET",
            self.url.base_url + "/Users",
            params=params,
            headers={"Authorization": f"Bearer {secret}"},
        )
        response = await self._client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_PAGE_BYTES:
                    raise ScimListError(
                        f"Kandji answered a page of users larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB; "
                        "stopped reading it.",
                        "Retry later; if it persists, contact Kandji support.",
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response.status_code, response.headers, b"".join(chunks)


def _retry_after(headers: httpx.Headers, attempt: int) -> float:
    try:
        return min(60.0, max(0.0, float(headers.get("retry-after", ""))))
    except ValueError:
        return min(30.0, 2.0**attempt)


def compact_user(user: dict[str, Any]) -> tuple[str, str, bool, str]:
    """What reconcile compares: (id, userName, active, externalId). `active` missing means true
    (SCIM's default for a user that exists)."""
    return (
        str(user.get("id") or ""),
        str(user.get("userName") or ""),
        user.get("active") is not False,
        str(user.get("externalId") or ""),
    )
