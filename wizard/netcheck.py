"""Is this computer offline? Told apart from "this one host does not exist" (issue 11).

When one name does not resolve, the host may be misspelled; when no name resolves at all, the
machine is offline or DNS is blocked, and retyping the URL will not help. The check looks up
two well-known names only after a lookup has already failed, so a working setup never pays it.
"""

from __future__ import annotations

import asyncio
import re
import socket

# Names that resolve wherever there is working DNS (the two services this product talks to).
CONTROL_HOSTS = ("okta.com", "kandji.io")
LOOKUP_TIMEOUT = 3.0

OFFLINE_CAUSE = (
    "No host name resolves on this computer: it looks offline, or DNS is blocked (the names "
    "okta.com and kandji.io do not resolve either)."
)
OFFLINE_FIX = (
    "Check the network connection, VPN or proxy (set HTTPS_PROXY if this network needs one), then retry."
)

_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")


def dns_failure_in(exc: BaseException) -> socket.gaierror | None:
    """The name-lookup failure somewhere in an exception's chain, if that is what it was."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, socket.gaierror):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def looks_like_dns_failure(exc: BaseException) -> bool:
    if dns_failure_in(exc) is not None:
        return True
    text = str(exc).lower()
    return "name or service not known" in text or "nodename nor servname" in text or "errno -2" in text


async def nothing_resolves() -> bool:
    """True when none of the control names resolves either: offline, not a misspelled host."""
    loop = asyncio.get_running_loop()
    for host in CONTROL_HOSTS:
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT):
                await loop.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
            return False
        except (OSError, TimeoutError):
            continue
    return True


def without_errno(text: str) -> str:
    """`[Errno -2] Name or service not known` → `Name or service not known`."""
    return _ERRNO.sub("", text).strip()
