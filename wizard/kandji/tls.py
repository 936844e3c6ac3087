"""TLS for the Kandji client: which certificates to trust, and who issued one we did not trust.

Trust follows what the admin's machine trusts: the OS store via `truststore`, unless
`SSL_CERT_FILE` / `SSL_CERT_DIR` name a bundle, which OpenSSL then loads instead (the usual way
to add a corporate root on Linux and in CI). When verification fails, the certificate is
fetched again without verification, only to read its issuer: a corporate issuer there means a
TLS-inspecting proxy sits between the admin and Kandji. That second connection sends nothing.
"""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass

# Issuers that TLS-inspecting proxies put on the certificates they forge.
_INSPECTION_VENDORS = (
    "zscaler",
    "netskope",
    "palo alto",
    "fortinet",
    "fortigate",
    "cisco umbrella",
    "blue coat",
    "bluecoat",
    "symantec web",
    "forcepoint",
    "sophos",
    "check point",
    "checkpoint",
    "mcafee",
    "skyhigh",
    "websense",
    "barracuda",
    "cloudflare gateway",
    "proxy",
    "inspection",
)


def make_ssl_context() -> ssl.SSLContext:
    """The context every Kandji request verifies with (see the module docstring)."""
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        # create_default_context → set_default_verify_paths, which honours both variables.
        return ssl.create_default_context()
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


@dataclass(frozen=True)
class CertificateInfo:
    issuer: str  # a short name: the issuer's O and CN, e.g. "Zscaler Inc. / Zscaler Intermediate Root CA"
    subject: str
    self_signed: bool

    @property
    def looks_like_inspection(self) -> bool:
        name = self.issuer.lower()
        return any(vendor in name for vendor in _INSPECTION_VENDORS)


def find_verification_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate-verification error behind an httpx/httpcore exception, if that was the cause."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        current = current.__cause__ or current.__context__
    return None


def find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None


def fetch_certificate_info(host: str, port: int, timeout: float) -> CertificateInfo | None:
    """Read the server's certificate without verifying it (blocking; run it in a thread)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            context.wrap_socket(sock, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError):
        return None
    return describe_certificate(der) if der else None


def describe_certificate(der: bytes) -> CertificateInfo | None:
    try:
        from cryptography import x509
        from cryptography.x509.oid import NameOID
    except ImportError:  # pragma: no cover - cryptography comes with joserfc
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None

    def short(name: x509.Name) -> str:
        parts = [
            attr.value
            for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)
            for attr in name.get_attributes_for_oid(oid)
        ]
        seen: list[str] = []
        for part in parts:
            text = part if isinstance(part, str) else part.decode(errors="replace")
            if text not in seen:
                seen.append(text)
        return " / ".join(seen) or name.rfc4514_string() or "(no name)"

    return CertificateInfo(
        issuer=short(cert.issuer), subject=short(cert.subject), self_signed=cert.issuer == cert.subject
    )
