"""The audit log's signing key: Ed25519, held in a file the database never sees.

Every audit record is signed when it is written, and so is every anchor (`socle audit anchor`): an
attacker who can write the database but cannot read this key can delete records but can neither
forge one nor rewrite the chain without `socle audit verify` noticing. The private key is a PKCS#8
PEM file (`storage.audit_key_file`, default `<data_dir>/audit_signing_key.pem`), created with mode
0600 the first time something writes to the log; replicas that share one database must share one
key file. The public key (`socle audit public-key`) is what an auditor needs to check signatures.

This is the one governance module importing `cryptography`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from socle.errors import ConfigError
from socle.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditPublicKey:
    """An Ed25519 public key that audit signatures are checked with."""

    raw: bytes
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.raw))
        except ValueError as e:
            raise ValueError("not a 32-byte Ed25519 public key") from e

    @property
    def key_id(self) -> str:
        """A short fingerprint naming the key: the first 16 hex digits of sha256 of its bytes."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    @property
    def base64(self) -> str:
        """The key's 32 bytes in base64, as anchors carry it."""
        return base64.b64encode(self.raw).decode()

    def verifies(self, message: bytes, signature: str) -> bool:
        """True if `signature` (base64) is this key's signature of `message`."""
        try:
            self._key.verify(base64.b64decode(signature, validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    def pem(self) -> str:
        """The key as a PEM `PUBLIC KEY` block (what `socle audit public-key` prints)."""
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    @classmethod
    def from_base64(cls, text: str) -> AuditPublicKey:
        """Read the base64 form. Raises `ValueError`."""
        try:
            return cls(base64.b64decode(text, validate=True))
        except binascii.Error as e:
            raise ValueError("not base64") from e

    @classmethod
    def from_pem(cls, data: bytes) -> AuditPublicKey:
        """Read a PEM `PUBLIC KEY` block. Raises `ValueError` if it is not an Ed25519 public key."""
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as e:
            raise ValueError("not a PEM public key") from e
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


Keyring = Mapping[str, AuditPublicKey]
"""The public keys whose signatures `verify` accepts, by key id."""


class AuditSigner:
    """Signs audit records and anchors with one Ed25519 private key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_key = AuditPublicKey(raw)

    @classmethod
    def generate(cls) -> AuditSigner:
        """A signer with a fresh key (tests, and the in-memory log)."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def sign(self, message: bytes) -> str:
        """The base64 Ed25519 signature of `message`."""
        return base64.b64encode(self._key.sign(message)).decode()

    def derive(self, label: bytes) -> bytes:
        """A 32-byte secret for `label`, derived from the private key (one-way: it reveals no key)."""
        raw = self._key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return hashlib.sha256(b"socle-derived-key\x00" + label + b"\x00" + raw).digest()

    def pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (what the key file holds)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def keyring(keys: Iterable[AuditPublicKey]) -> dict[str, AuditPublicKey]:
    """`keys` by key id."""
    return {key.key_id: key for key in keys}


def key_file(settings: Settings) -> Path:
    """Where the signing key of this configuration lives."""
    storage = settings.storage
    return storage.audit_key_file or storage.data_dir / "audit_signing_key.pem"


def load_signer(path: Path) -> AuditSigner:
    """The signer whose private key is in `path`. Raises `ConfigError` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read the audit signing key {str(path)!r}: {e.strerror}") from e
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise ConfigError(f"{str(path)!r} is not an unencrypted PEM private key") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{str(path)!r} is not an Ed25519 private key")
    if path.stat().st_mode & 0o077:
        logger.warning("the audit signing key %s is readable by other users: chmod 600 it", path)
    return AuditSigner(key)


def load_or_create_signer(path: Path) -> AuditSigner:
    """The signer in `path`, creating a new key there (mode 0600) if there is none yet.

    Two processes starting at once agree on one key: each writes its own to a temporary file and
    links it into place, which fails for the second; that one then reads the winner's.
    """
    if path.exists():
        return load_signer(path)
    signer = AuditSigner.generate()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(signer.pem())
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            os.link(temporary, path)
    except OSError as e:
        raise ConfigError(f"cannot create the audit signing key {str(path)!r}: {e.strerror}") from e
    finally:
        temporary.unlink(missing_ok=True)
    logger.info("created the audit signing key %s", path)
    return load_signer(path)


def signer_for(settings: Settings) -> AuditSigner:
    """The signer of this configuration's audit log, creating its key on first use."""
    return load_or_create_signer(key_file(settings))
