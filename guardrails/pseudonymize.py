"""`Pseudonymizer`: stable, reversible placeholders per conversation, kept encrypted in a vault.

The model sees `<PERSON_1>`, `<EMAIL_ADDRESS_2>`; the user sees the real values again after
`restore`. The same value (compared case- and spacing-insensitively, digits only for numbers) gets
the same placeholder across every turn of one conversation, and a different numbering in another.

A conversation is a `ConversationScope`: the client's conversation id *within one tenant and API
key*, so an id another tenant (or key) also chose names another mapping. The mapping of a scope is
one JSON document, encrypted with AES-256-GCM under a key derived from the master key and the
scope's three parts (HKDF-SHA256; the parts are the associated data too), and stored under a hash of
them: a vault backend only ever stores ciphertext under opaque names, and a blob copied to another
scope does not decrypt. `erase` deletes the blob; nothing else holds the values. This is the one
guardrails module importing `cryptography`.

Replicas share one vault (`SqlPseudonymVault`): a new value is added with a compare-and-swap of the
blob (`PseudonymVault.swap`), retried on a lost race, so two replicas extending one conversation at
once never drop each other's placeholders.
"""

from __future__ import annotations

import base64
import json
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from socle.guardrails._mentions import substitute
from socle.guardrails._transform import rewrite
from socle.guardrails.base import ConversationScope, PseudonymVault, Span, SubjectIndex
from socle.guardrails.errors import GuardrailConfigError, PseudonymContentionError

_NAME = r"[A-Z][A-Z0-9_]*?_\d+"
PLACEHOLDER = re.compile(rf"<{_NAME}>")
"""A placeholder as the pseudonymizer writes it (`<PERSON_1>`): the one spelling a run stores."""

_MIN_KEY_BYTES = 16
_FORMAT = b"\x01"  # blob = format byte, 12-byte nonce, AES-GCM ciphertext and tag
_NONCE_BYTES = 12
_MAX_SWAPS = 20  # compare-and-swap attempts before giving up (only under heavy contention)


def normalize(value: str) -> str:
    """The comparison key of a value: NFKC, case-folded, single spaces; digits and `+` for numbers."""
    folded = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    if any(c.isdigit() for c in folded) and not any(c.isalpha() for c in folded):
        return "".join(c for c in folded if c.isdigit() or c == "+")
    return folded


@dataclass(slots=True)
class PseudonymMap:
    """One conversation's pseudonyms: value key -> placeholder, placeholder -> original value."""

    placeholders: dict[str, str] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def placeholder(self, entity: str, value: str) -> str:
        """The placeholder of `value` as `entity`, creating the next one if the value is new."""
        key = f"{entity}\x00{normalize(value)}"
        found = self.placeholders.get(key)
        if found is None:
            self.counters[entity] = self.counters.get(entity, 0) + 1
            found = f"<{entity}_{self.counters[entity]}>"
            self.placeholders[key] = found
            self.originals[found] = value
        return found

    def to_json(self) -> bytes:
        document = {"placeholders": self.placeholders, "originals": self.originals, "counters": self.counters}
        return json.dumps(document, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> PseudonymMap:
        document = json.loads(data)
        return cls(document["placeholders"], document["originals"], document["counters"])


class Pseudonymizer:
    """Replaces spans by placeholders and back, per conversation scope (tenant, key, conversation).

    Args:
        vault: where the encrypted mappings live.
        key: the master key, at least 16 bytes (a `Pseudonymizer.generate_key()` value, from
            settings). With a fresh random key each start, mappings die with the process; replicas
            sharing a vault need the same key.
        index: where each new value is indexed (keyed-hashed) under its mapping's vault name, so
            that erasing a data subject finds the conversations whose pseudonyms hide it.

    Raises:
        GuardrailConfigError: the key is too short.
    """

    def __init__(self, vault: PseudonymVault, key: bytes | str, *, index: SubjectIndex | None = None) -> None:
        master = key.encode() if isinstance(key, str) else key
        if len(master) < _MIN_KEY_BYTES:
            raise GuardrailConfigError(f"the pseudonym key needs at least {_MIN_KEY_BYTES} bytes")
        self._vault = vault
        self._index = index
        self._master = master
        self._lock = anyio.Lock()  # one read-modify-write of a mapping at a time

    @staticmethod
    def generate_key() -> str:
        """A new random master key (URL-safe base64 text)."""
        return base64.urlsafe_b64encode(os.urandom(32)).decode()

    async def placeholders(self, values: Sequence[tuple[str, str]], *, scope: ConversationScope) -> list[str]:
        """The placeholder of each `(entity, value)`, in order; new values extend the mapping.

        The mapping is saved (encrypted) before returning, with a compare-and-swap: when another
        replica changed it in between, the values are placed again on its version.

        Raises:
            GuardrailConfigError: the mapping does not decrypt (see `restore`).
            PseudonymContentionError: the mapping kept changing for `_MAX_SWAPS` attempts.
        """
        if not values:
            return []
        name = scope.vault_name()
        async with self._lock:
            for _ in range(_MAX_SWAPS):
                blob = await self._vault.get(name)
                mapping = self._decrypt(blob, scope)
                known = len(mapping.originals)
                found = [mapping.placeholder(entity, value) for entity, value in values]
                if await self._vault.swap(name, blob, self._encrypt(mapping, scope)):
                    if self._index is not None and len(mapping.originals) > known:
                        await self._index.add(name, tenant_id=scope.tenant_id, values=[v for _, v in values])
                    return found
        raise PseudonymContentionError(_MAX_SWAPS)

    async def pseudonymize(self, text: str, spans: Sequence[Span], *, scope: ConversationScope) -> str:
        """`text` with each span (sorted, non-overlapping) replaced by its placeholder."""
        values = [(s.entity, text[s.start : s.end]) for s in spans]
        names = iter(await self.placeholders(values, scope=scope))
        return rewrite(text, spans, lambda _: next(names))

    async def restore(self, text: str, *, scope: ConversationScope) -> str:
        """`text` with every known placeholder of the scope replaced by its original value.

        A placeholder counts in any bracket, case or bare (`[PERSON_1]`, `person_1`, `PERSON_1>`); one
        the model cut (`<STREET_ADDRESS_`) is the scope's one placeholder of that entity, or removed
        (`_mentions.substitute`). Unknown placeholders (another scope's, or invented by the model)
        are left as they are.
        """
        return await self._substitute(text, scope, lambda placeholder, value: value)

    async def canonical(self, text: str, *, scope: ConversationScope) -> str:
        """`text` with every known placeholder of the scope written `<NAME_N>`, whatever its spelling.

        What an orchestrated run keeps of a model's answer: still concealed, and in the one spelling
        the rails leave alone when the answer is passed to the next model (`Pipeline`).
        """
        return await self._substitute(text, scope, lambda placeholder, value: placeholder)

    async def _substitute(
        self, text: str, scope: ConversationScope, replacement: Callable[[str, str], str]
    ) -> str:
        if "_" not in text and "<" not in text:  # no placeholder, whole or cut: skip the vault
            return text
        mapping = await self._load(scope)
        return substitute(text, mapping.originals, replacement)

    async def erase(self, scope: ConversationScope) -> bool:
        """Forget the scope's mapping (right to erasure). Returns True if there was one."""
        async with self._lock:
            return await self._vault.erase(scope.vault_name())

    async def _load(self, scope: ConversationScope) -> PseudonymMap:
        return self._decrypt(await self._vault.get(scope.vault_name()), scope)

    def _encrypt(self, mapping: PseudonymMap, scope: ConversationScope) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT + nonce + self._aead(scope).encrypt(nonce, mapping.to_json(), scope.parts())

    def _decrypt(self, blob: bytes | None, scope: ConversationScope) -> PseudonymMap:
        if blob is None:
            return PseudonymMap()
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            if blob[:1] != _FORMAT:
                raise InvalidTag
            return PseudonymMap.from_json(self._aead(scope).decrypt(nonce, sealed, scope.parts()))
        except InvalidTag as e:
            raise GuardrailConfigError(
                "a pseudonym mapping does not decrypt: the pseudonym key changed, or the blob belongs to "
                "another conversation, tenant or key"
            ) from e

    def _aead(self, scope: ConversationScope) -> AESGCM:
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"socle-pseudonyms:" + scope.parts(),
        )
        return AESGCM(hkdf.derive(self._master))
