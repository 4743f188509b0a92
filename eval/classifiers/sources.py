"""The language of a labelled row, from its `source`: shared by the classifier suites and training.

A row is French when its source is one of the French sources, or a hand-written family marked
`:fr:` (`authored:direct:fr:<family>`); every other row is English. The suites score each language
apart with it, and training (`training/classifiers/`) sets per-language thresholds with the same rule.
"""

from __future__ import annotations

from typing import Any

FRENCH_SOURCES = ("mlma", "socle_pii_fr", "socle_fr", "socle_fr_test")


def language(row: dict[str, Any]) -> str:
    """`fr` for rows from French sources or French hand-written families, else `en`."""
    source = str(row.get("source", ""))
    return "fr" if source.split(":")[0] in FRENCH_SOURCES or ":fr:" in source else "en"
