"""Reading a server's answer within bounds: a size cap applied while the body streams in, and a
JSON decode whose every failure (depth included) is one sentence, never a traceback.

Both the Okta and the Kandji clients install `body_limit()` as an httpx response hook, so every
answer — success or error — is read here before anything else looks at it. A server (or a proxy
pretending to be one) can then make the wizard hold at most `MAX_BODY_BYTES` per answer.
"""

from __future__ import annotations

import json
import zlib
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
    `limit` bytes. The count is of the decompressed body, and gzip/deflate are inflated here a
    bounded step at a time, so a small compressed answer cannot expand past it in memory either
    (httpx's own decoder inflates each network read whole: refusing a 60 MB gzip bomb held
    137 MB that way, under 32 MB this way)."""

    async def read_bounded(response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise AnswerTooLarge(response.request, limit, int(declared))
        if hasattr(response, "_content"):  # built with its body already read (a mock transport)
            if len(response.content) > limit:
                raise AnswerTooLarge(response.request, limit)
            return
        inflate = _Inflater.for_encoding(response.headers.get("content-encoding", ""), response.request)
        chunks: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            chunk = raw if inflate is None else inflate.feed(raw, limit - size + 1)
            size += len(chunk)
            if size > limit:
                raise AnswerTooLarge(response.request, limit)
            chunks.append(chunk)
        if inflate is not None:
            tail = inflate.finish()
            if size + len(tail) > limit:
                raise AnswerTooLarge(response.request, limit)
            chunks.append(tail)
        # What httpx's own `aread()` stores; every later `.content` / `.json()` reuses it.
        response._content = b"".join(chunks)

    return read_bounded


class _Inflater:
    """gzip or deflate, inflated at most `room` bytes per step."""

    def __init__(self, encoding: str, request: httpx.Request) -> None:
        self.request = request
        self.deflate = encoding == "deflate"
        # Servers send "deflate" as zlib-wrapped or raw; try zlib first, as httpx does.
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS if self.deflate else zlib.MAX_WBITS | 16)
        self.started = False

    @classmethod
    def for_encoding(cls, header: str, request: httpx.Request) -> _Inflater | None:
        encoding = header.strip().lower()
        return cls(encoding, request) if encoding in ("gzip", "x-gzip", "deflate") else None

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self.inflater.decompress(data, max(1, room))
        except zlib.error as exc:
            if self.deflate and not self.started:
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self.started = True
                return self.feed(data, room)
            raise self._unreadable(exc) from None
        self.started = True
        return out

    def finish(self) -> bytes:
        # Every input byte was taken (a step that filled `room` was refused), so what is left
        # is at most zlib's window.
        try:
            return self.inflater.flush()
        except zlib.error as exc:
            raise self._unreadable(exc) from None

    def _unreadable(self, exc: zlib.error) -> httpx.DecodingError:
        return httpx.DecodingError(f"the compressed answer could not be read ({exc})", request=self.request)


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
