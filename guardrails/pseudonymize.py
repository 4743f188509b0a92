"""`Pseudonymizer`: stable, reversible placeholders per conversation, kept encrypted in a vault.

The model sees `<PERSON_1>`, `<EMAIL_ADDRESS_2>`; the user sees the real values again after
`restore`. The same value (compared case- and spacing-insensitively, digits only for numbers) gets
the same placeholder across every turn of one conversation, and a different numbering in another.

The mapping of a conversation is one JSON document, encrypted with Fernet (AES-128-CBC + HMAC-SHA256)
under a key derived from the master key and the conversation id (HKDF-SHA256): a vault backend only
ever stores ciphertext, and a blob copied to another conversation id does not decrypt. `erase`
deletes the blob; nothing else holds the values. This is the one guardrails module importing `cryptography`.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from socle.guardrails._transform import rewrite
from socle.guardrails.base import PseudonymVault, Span
from socle.guardrails.errors import GuardrailConfigError

_NAME = r"[A-Z][A-Z0-9_]*?_\d+"
MENTION = re.compile(rf"<({_NAME})>|\[({_NAME})\]|\(({_NAME})\)|\{{({_NAME})\}}|\b({_NAME})\b")
"""A placeholder is `<ENTITY_N>`; a model may write it back so, in other brackets, or bare
(`[PERSON_1]`, `(PERSON_1)`, `PERSON_1`: small models rewrite the angle brackets). Only a known
one is restored."""

_MIN_KEY_BYTES = 16


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
    """Replaces spans by placeholders and back, per conversation.

    Args:
        vault: where the encrypted mappings live.
        key: the master key, at least 16 bytes (a `Pseudonymizer.generate_key()` value, from
            settings). With a fresh random key each start, mappings die with the process.

    Raises:
        GuardrailConfigError: the key is too short.
    """

    def __init__(self, vault: PseudonymVault, key: bytes | str) -> None:
        master = key.encode() if isinstance(key, str) else key
        if len(master) < _MIN_KEY_BYTES:
            raise GuardrailConfigError(f"the pseudonym key needs at least {_MIN_KEY_BYTES} bytes")
        self._vault = vault
        self._master = master
        self._lock = anyio.Lock()  # one read-modify-write of a mapping at a time

    @staticmethod
    def generate_key() -> str:
        """A new random master key (URL-safe base64 text)."""
        return Fernet.generate_key().decode()

    async def placeholders(self, values: Sequence[tuple[str, str]], *, conversation_id: str) -> list[str]:
        """The placeholder of each `(entity, value)`, in order; new values extend the mapping.

        The mapping is saved (encrypted) before returning.
        """
        if not values:
            return []
        async with self._lock:
            mapping = await self._load(conversation_id)
            found = [mapping.placeholder(entity, value) for entity, value in values]
            await self._vault.put(conversation_id, self._fernet(conversation_id).encrypt(mapping.to_json()))
        return found

    async def pseudonymize(self, text: str, spans: Sequence[Span], *, conversation_id: str) -> str:
        """`text` with each span (sorted, non-overlapping) replaced by its placeholder."""
        values = [(s.entity, text[s.start : s.end]) for s in spans]
        names = iter(await self.placeholders(values, conversation_id=conversation_id))
        return rewrite(text, spans, lambda _: next(names))

    async def restore(self, text: str, *, conversation_id: str) -> str:
        """`text` with every known placeholder of the conversation replaced by its original value.

        A placeholder counts in any of `MENTION`'s spellings (`[PERSON_1]`, `PERSON_1`). Unknown
        placeholders (another conversation's, or invented by the model) are left as they are.
        """
        if "_" not in text:
            return text
        mapping = await self._load(conversation_id)

        def original(match: re.Match[str]) -> str:
            name = next(group for group in match.groups() if group)
            return mapping.originals.get(f"<{name}>", match.group(0))

        return MENTION.sub(original, text)

    async def erase(self, conversation_id: str) -> bool:
        """Forget the conversation's mapping (right to erasure). Returns True if there was one."""
        async with self._lock:
            return await self._vault.erase(conversation_id)

    async def _load(self, conversation_id: str) -> PseudonymMap:
        blob = await self._vault.get(conversation_id)
        if blob is None:
            return PseudonymMap()
        try:
            return PseudonymMap.from_json(self._fernet(conversation_id).decrypt(blob))
        except InvalidToken as e:
            raise GuardrailConfigError(
                "a pseudonym mapping does not decrypt: the pseudonym key changed, or the blob belongs to "
                "another conversation"
            ) from e

    def _fernet(self, conversation_id: str) -> Fernet:
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"socle-pseudonyms:" + conversation_id.encode(),
        )
        return Fernet(base64.urlsafe_b64encode(hkdf.derive(self._master)))
