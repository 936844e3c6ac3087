"""Keep secrets out of logs, messages and files (DESIGN §6).

A process-wide registry holds every secret value the wizard has handled (the secret store
registers tokens when it stores or reads them). `redact()` masks those values, including the
base64, URL-encoded and JSON-escaped forms they take inside requests and bodies, plus anything
shaped like a credential: `SSWS …`, `Bearer …` and `DPoP …` header values, JWTs, PEM private
keys and private JWK members. Stdlib only, so any module can use it cheaply.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import re
import threading
import traceback
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_plus

MASK = "****"
# Shorter values would mask ordinary words; every credential the wizard handles is longer.
MIN_SECRET_LENGTH = 6
# Base64 fragments of a value embedded in a longer blob are only trusted when this long.
_MIN_FRAGMENT_LENGTH = 8

_lock = threading.Lock()
_secrets: set[str] = set()
_forms: set[str] = set()
_known_forms: tuple[str, ...] | None = None  # the forms, longest first

# A credential after an auth scheme: require a digit or some length, so prose such as
# "Bearer token refused" stays readable while real tokens (long, mixed) are caught.
_TOKEN = r"(?=[A-Za-z0-9\-._~+/]*\d|[A-Za-z0-9\-._~+/]{20})[A-Za-z0-9\-._~+/]{8,}=*"
_SCHEME_VALUE = re.compile(rf"\b(SSWS|Bearer|DPoP|Basic)(\s+|:\s*){_TOKEN}", re.IGNORECASE)
_SCHEME_WORDS = ("ssws", "bearer", "dpop", "basic")
_AUTH_HEADER = re.compile(r"(?im)\b((?:Proxy-)?Authorization[\"']?\s*[:=]\s*[\"']?)([^\r\n\"',}]+)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.DOTALL)
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")
# JSON/dict keys whose string values are credentials wherever they appear.
SENSITIVE_FIELD_NAMES = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "client_assertion",
        "password",
        "token",
        *_PRIVATE_JWK_MEMBERS,
    }
)
_SECRET_FIELD = re.compile(
    r"([\"'](?:"
    + "|".join(sorted(SENSITIVE_FIELD_NAMES, key=len, reverse=True))
    + r")[\"']\s*:\s*[\"'])([^\"']+)([\"'])"
)


def _base64_forms(raw: bytes) -> set[str]:
    """Base64 text of `raw` at each of the three byte alignments it can have inside a larger
    encoded blob, keeping only the characters that depend on `raw` alone."""
    forms: set[str] = set()
    for encoder in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encoder(raw).decode("ascii"))
        forms.add(encoder(raw).decode("ascii").rstrip("="))
        for pad in (1, 2):
            encoded = encoder(b"\0" * pad + raw).decode("ascii").rstrip("=")
            start = -(-8 * pad // 6)  # first character with no bits from the padding bytes
            total = pad + len(raw)
            end = len(encoded) - (1 if total % 3 else 0)  # last char may mix in following bytes
            fragment = encoded[start:end]
            if len(fragment) >= _MIN_FRAGMENT_LENGTH:
                forms.add(fragment)
        # The same for a value followed by more bytes (e.g. "token:" or "token\n").
        tail = encoder(raw).decode("ascii").rstrip("=")
        if len(raw) % 3:
            tail = tail[:-1]
        if len(tail) >= _MIN_FRAGMENT_LENGTH:
            forms.add(tail)
    return forms


def _forms_of(value: str) -> set[str]:
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value), json.dumps(value)[1:-1]}
    forms |= _base64_forms(value.encode("utf-8"))
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def _extra_parts(value: str) -> Iterable[str]:
    """Pieces of structured secrets that can leak on their own: private JWK members and the
    body lines of a PEM key."""
    stripped = value.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        keys = parsed.get("keys", [parsed]) if isinstance(parsed, dict) else []
        for key in keys if isinstance(keys, list) else []:
            if isinstance(key, dict):
                yield from (str(key[m]) for m in _PRIVATE_JWK_MEMBERS if isinstance(key.get(m), str))
    if "-----BEGIN" in stripped:
        for line in stripped.splitlines():
            line = line.strip()
            if line and not line.startswith("-----") and len(line) >= 16:
                yield line


def register_secret(value: object) -> None:
    """Remember a secret so `redact()` masks it from now on, for the rest of the process.

    Accepts `str` or anything with `get_secret_value()` (pydantic's SecretStr). Values shorter
    than MIN_SECRET_LENGTH are ignored (masking them would garble ordinary text)."""
    global _known_forms
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    if not isinstance(text, str):
        return
    candidates = [text, text.strip(), *_extra_parts(text)]
    with _lock:
        added = False
        for candidate in candidates:
            if len(candidate) < MIN_SECRET_LENGTH or candidate in _secrets:
                continue
            _secrets.add(candidate)
            _forms.update(_forms_of(candidate))
            added = True
        if added:
            _known_forms = None


def clear_registry() -> None:
    """Forget every registered secret (for tests; the wizard never needs to)."""
    global _known_forms
    with _lock:
        _secrets.clear()
        _forms.clear()
        _known_forms = None


@contextlib.contextmanager
def registry_scope() -> Iterator[None]:
    """On exit, forget what was registered inside (for tests: each test stands for one
    process's life, and a worker that runs hundreds of them would otherwise keep them all)."""
    global _known_forms
    with _lock:
        secrets, forms = set(_secrets), set(_forms)
    try:
        yield
    finally:
        with _lock:
            _secrets.intersection_update(secrets)
            _forms.intersection_update(forms)
            _known_forms = None


def _ordered_forms() -> tuple[str, ...]:
    global _known_forms
    with _lock:
        if _known_forms is None:
            # Longest first, so a value is masked whole rather than around a shorter form.
            _known_forms = tuple(sorted(_forms, key=len, reverse=True))
        return _known_forms


@functools.lru_cache(maxsize=64)
def _pattern_for(forms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(form) for form in forms))


def _pattern(text: str) -> re.Pattern[str] | None:
    """A pattern for the known forms that occur in `text`. One alternation of every form ever
    registered made each call cost about 15 µs per form on a state file (8 ms at 500 forms, and
    a long-lived process only adds forms); a substring test per form is a fast scan in C, and
    nearly every text holds none of them."""
    present = tuple(form for form in _ordered_forms() if form in text)
    return _pattern_for(present) if present else None


def redact(text: str) -> str:
    """`text` with every known secret and credential-shaped value replaced by `****`."""
    if not text:
        return text
    pattern = _pattern(text)
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _PEM.sub(lambda m: f"-----BEGIN {m.group(1)}PRIVATE KEY-----{MASK}", text)
    # Each of the next three scans at about 30 µs per KB; a word each must contain is found far
    # faster, and a state file or a log line nearly never holds one. Masking only removes text,
    # so the words looked for in `lowered` are still a superset of what the patterns can match.
    lowered = text.lower()
    if "authorization" in lowered:
        text = _AUTH_HEADER.sub(lambda m: m.group(1) + _mask_header_value(m.group(2)), text)
    if any(scheme in lowered for scheme in _SCHEME_WORDS):
        text = _SCHEME_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    text = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    return text


def _mask_header_value(value: str) -> str:
    scheme, _, rest = value.strip().partition(" ")
    if rest and scheme.isalpha():
        return f"{scheme} {MASK}"
    return MASK


def contains_secret(text: str) -> bool:
    """True when `text` holds a registered secret or something shaped like a credential."""
    return bool(text) and redact(text) != text


def mask(value: object) -> str:
    """A display form for the UI: `****` plus the last 4 characters when the value is long
    enough that those 4 give nothing useful away, else just `****`."""
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    if not isinstance(text, str) or not text:
        return MASK
    text = text.strip()
    return f"{MASK}{text[-4:]}" if len(text) >= 16 else MASK


class RedactingFilter(logging.Filter):
    """Masks secrets in log records: the formatted message, the traceback and the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not format could still hold a secret: drop them.
            message = f"{record.msg} (log arguments hidden: they did not format)"
        record.msg = redact(str(message))
        record.args = None
        if record.exc_info and not record.exc_text:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(formatted)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one RedactingFilter to `logger` (default: the root logger) and to each of its
    handlers. Handler filters also see records propagated from child loggers, which logger
    filters do not, so handlers added later should be passed through this again. Idempotent."""
    target = logger if logger is not None else logging.getLogger()
    existing = next((f for f in target.filters if isinstance(f, RedactingFilter)), None)
    redactor = existing or RedactingFilter()
    if existing is None:
        target.addFilter(redactor)
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
    return redactor
