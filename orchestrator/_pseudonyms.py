"""A run's pseudonyms in memory: its placeholders and the values they stand for, both ways (pure).

A run keeps what its model saw: the retrieved chunks pass the context rails, which write names and
places as the run's placeholders (`<PERSON_1>`, `<LOCATION_1>`), and so does its request. Its answer
checks run in process, on the texts as the documents and the user write them, as chat's do (chat's
policy reads the retrieval's `kept` texts): a question typed "the hotel limit in Paris?" checked
against a source that reads "in <LOCATION_1>" finds no source that answers it, and a choice between
two people named in the question finds neither in sources that name `<PERSON_1>` and `<PERSON_2>`.

`Pseudonyms.reveal` gives the checks those texts; `Pseudonyms.conceal` writes the decision back in
the run's placeholders before the run keeps it, so that the run's state, its checkpoints and its
report hold no more than they did, and its final answer, revealed for the user, is the checked text.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from socle.guardrails.pseudonymize import PLACEHOLDER

Reveal = Callable[[str], Awaitable[str]]
"""The run's `Shield.reveal`, bound to its scope: a text with the run's placeholders restored."""


@dataclass(frozen=True, slots=True)
class Pseudonyms:
    """Placeholder -> the value it stands for (`{"<LOCATION_1>": "Paris"}`); empty: texts pass as they are."""

    originals: Mapping[str, str] = field(default_factory=dict)

    def reveal(self, text: str) -> str:
        """`text` with each known placeholder replaced by its value."""
        if not self.originals:
            return text
        return PLACEHOLDER.sub(lambda m: self.originals.get(m.group(0), m.group(0)), text)

    def conceal(self, text: str) -> str:
        """`text` with each value written as its placeholder (longest first, whole words only).

        The inverse of `reveal` on a text made of revealed sources: `reveal(conceal(t)) == t`.
        """
        if not self.originals:
            return text
        placeholders = {value: p for p, value in self.originals.items()}
        values = sorted(placeholders, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in values) + r")(?!\w)")
        return pattern.sub(lambda m: placeholders[m.group(0)], text)


async def pseudonyms(reveal: Reveal, texts: Iterable[str]) -> Pseudonyms:
    """The values of the placeholders that `texts` hold, from the run's `reveal` (one call).

    A placeholder the scope does not know (another run's, or one the model made up) stays as it is.
    """
    found = sorted({p for text in texts for p in PLACEHOLDER.findall(text)})
    if not found:
        return Pseudonyms()
    values = (await reveal("\n".join(found))).split("\n")
    if len(values) != len(found):  # a value that holds a line break: one at a time
        values = [await reveal(p) for p in found]
    known: Mapping[str, str] = {
        p: v for p, v in zip(found, values, strict=True) if v != p and re.search(r"\w", v)
    }
    return Pseudonyms(known)
