"""Reading a server's answer within bounds: a size cap applied while the body streams in, and a
JSON decode whose every failure (depth included) is one sentence, never a traceback.

Both the Okta and the Kandji clients install `body_limit()` as an httpx response hook, so every
answer — success or error — is read here before anything else looks at it. A server (or a proxy
pretending to be one) can then make the wizard hold at most `MAX_BODY_BYTES` per answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

# Okta's largest page the wizard asks for is 200 objects (a few hundred KB for apps); a SCIM
# ListResponse for one filtered user is a few KB. 10 MB leaves a wide margin for real answers.
MAX_BODY_BYTES = 10 * 1024 * 1024


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class AnswerTooLarge(httpx.HTTPError):
    """An answer's body passed the cap; it was not read further. An httpx error, so the
    clients' existing transport handling catches it; each names it in its own words."""

    def __init__(self, request: httpx.Request, limit: int, declared: int | None = None) -> None:
        self.host = request.url.host
        self.call = f"{request.method} {request.url.path}"
        self.limit = limit
        self.declared = declared
        self.size = f"{megabytes(declared)} (as announced)" if declared else f"more than {megabytes(limit)}"
        super().__init__(
            f"{self.host} answered {self.call} with {self.size}, over the {megabytes(limit)} limit for "
            "one answer; it was not read further"
        )
        self.request = request


ResponseHook = Callable[[httpx.Response], Awaitable[None]]


def body_limit(limit: int = MAX_BODY_BYTES) -> ResponseHook:
    """An httpx response hook that reads the body in a stream and raises AnswerTooLarge past
    `limit` bytes (after decompression, so a small gzip cannot expand past it either)."""

    async def read_bounded(response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise AnswerTooLarge(response.request, limit, int(declared))
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise AnswerTooLarge(response.request, limit)
            chunks.append(chunk)
        # What httpx's own `aread()` stores; every later `.content` / `.json()` reuses it.
        response._content = b"".join(chunks)

    return read_bounded


class MalformedJson(ValueError):
    """The body is not usable JSON; `str()` says why in a few words."""


def decode_json(raw: bytes) -> Any:
    """`json.loads` with every way it can fail turned into MalformedJson: not text, not JSON,
    or nested too deeply for the parser (a RecursionError otherwise escapes as a traceback)."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise MalformedJson("it is not text in UTF-8") from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(f"it is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise MalformedJson("its JSON is nested too deeply to read") from None
    except (ValueError, MemoryError) as exc:
        raise MalformedJson(f"it is not usable JSON ({type(exc).__name__})") from None


def looks_like_html(response: httpx.Response) -> bool:
    """A web page rather than an API answer: by its content type, or by how the body starts."""
    if "html" in response.headers.get("content-type", "").lower():
        return True
    return response.content.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
