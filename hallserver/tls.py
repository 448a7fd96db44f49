"""The hall server's TLS certificate: self-signed, made on first start, kept beside the database.

Terminals do not trust it through a CA: they pin its SHA-256 fingerprint (published in the
zeroconf advert, learned when a terminal is paired), so a server with another certificate — a
stranger on the LAN, or a reinstalled server — is refused until the terminal is paired again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

log = logging.getLogger("hallq.tls")

VALID_DAYS = 20 * 365  # a hall's server outlives a few terminals; renewal means re-pairing


class CertificateError(Exception):
    """The certificate or key beside the database cannot be read or made (the message says why)."""


@dataclass(frozen=True)
class ServerCertificate:
    """The certificate and key files and the certificate's SHA-256 fingerprint (lowercase hex)."""

    cert_path: Path
    key_path: Path
    fingerprint: str

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def certificate_paths(db: Path) -> tuple[Path, Path]:
    """Where the certificate and key of the hall database `db` live: beside it."""
    return db.with_name(db.name + ".tls.crt"), db.with_name(db.name + ".tls.key")


def fingerprint_of(pem: bytes) -> str:
    """SHA-256 of the certificate's DER form, lowercase hex (what terminals pin)."""
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def server_certificate(db: Path, hall_id: str) -> ServerCertificate:
    """The hall's certificate beside `db`, made (with its key, both mode 0600) if missing."""
    cert_path, key_path = certificate_paths(db)
    try:
        if not cert_path.exists() and not key_path.exists():
            _make(cert_path, key_path, hall_id)
        elif not (cert_path.exists() and key_path.exists()):
            missing = key_path if cert_path.exists() else cert_path
            raise CertificateError(
                f"{missing} is missing: restore it from the backup, or remove {cert_path.name} "
                f"and {key_path.name} to make a new certificate (every terminal must then be "
                "paired again)"
            )
        fingerprint = fingerprint_of(cert_path.read_bytes())
    except OSError as exc:
        raise CertificateError(f"TLS certificate: {exc}") from exc
    except ValueError as exc:
        raise CertificateError(f"{cert_path}: not a PEM certificate ({exc})") from exc
    return ServerCertificate(cert_path, key_path, fingerprint)


def _make(cert_path: Path, key_path: Path, hall_id: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"hallq-{hall_id}"[:64])])
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    host = socket.gethostname()
    if host and host != "localhost":
        names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_path, key_pem)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    log.info("made a new TLS certificate %s", cert_path)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
