"""The PII rail's speed-ups inside thinc and Presidio: one place, each on only where it was verified.

Four of them lean on other projects' internals:

- `matmul_ops`: the NER's thinc layers get `MatmulOps` (`_matmul_ops.py`), a subclass of thinc's
  `NumpyOps` whose `gemm` is NumPy's;
- `fast_cblas`: the parser's C loop gets Socle's `sgemm`/`saxpy` through thinc's private Cython
  capsules (`set_sgemm`, `set_saxpy`), when the optional `_fastblas` extension was built;
- `column_artifacts`: Presidio's private `SpacyNlpEngine._doc_to_nlp_artifact` reads tokens by column
  and hands its keywords over as a set (`pii._PackagedSpacyEngine`);
- `shallow_copy`: Presidio's context enhancer deep-copies its findings; `_context_enhancer.py` hands
  it a list that copies itself three levels deep instead.

Each is verified against the versions in `VERIFIED` (prefixes). With another version, or when the
internal it uses is gone, it is off: the stock code runs, slower, finding the same entities, and one
warning names what was turned off and why. Upgrading spaCy, thinc or Presidio therefore never breaks
the rail; it costs speed until someone verifies the new versions (`tests/guardrails/test_pii_speed.py`
and `test_speedups.py` compare both paths) and widens `VERIFIED`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata

logger = logging.getLogger(__name__)

VERIFIED: Mapping[str, str] = {"spacy": "3.8.", "thinc": "8.3.", "presidio-analyzer": "2.2."}
"""Distribution -> version prefix the speed-ups were verified with."""


@dataclass(frozen=True, slots=True)
class Speedups:
    """Which speed-ups are on (a decision, as a value); `off_because` says why the others are off."""

    matmul_ops: bool = False
    fast_cblas: bool = False
    column_artifacts: bool = False
    shallow_copy: bool = False
    off_because: tuple[str, ...] = ()


NONE = Speedups(off_because=("turned off",))
"""Every speed-up off: the stock code of thinc and Presidio."""


CAPSULES = "thinc's set_sgemm/set_saxpy capsules"
ARTIFACT_HOOK = "SpacyNlpEngine._doc_to_nlp_artifact"
ENHANCER = "LemmaContextAwareEnhancer.enhance_using_context"


def decide(versions: Mapping[str, str | None], internals: Mapping[str, bool]) -> Speedups:
    """The speed-ups `versions` (distribution -> installed version) and `internals` (found?) allow."""
    installed = {name: versions.get(name) or "missing" for name in VERIFIED}
    unverified = [name for name, prefix in VERIFIED.items() if not installed[name].startswith(prefix)]
    missing = [name for name, found in internals.items() if not found]
    reasons = [f"{name} {installed[name]} is not verified ({VERIFIED[name]}x)" for name in unverified]
    reasons += [f"{name} not found" for name in missing]
    thinc = "spacy" not in unverified and "thinc" not in unverified
    presidio = "presidio-analyzer" not in unverified
    return Speedups(
        matmul_ops=thinc,
        fast_cblas=thinc and CAPSULES not in missing,
        column_artifacts=presidio and ARTIFACT_HOOK not in missing,
        shallow_copy=presidio and ENHANCER not in missing,
        off_because=tuple(reasons),
    )


def installed_versions() -> dict[str, str | None]:
    """The installed version of each distribution in `VERIFIED` (None: not installed)."""
    found: dict[str, str | None] = {}
    for name in VERIFIED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def probe_internals() -> dict[str, bool]:
    """Whether each internal a speed-up relies on is still there."""
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from thinc.backends import cblas

    capsules = getattr(cblas, "__pyx_capi__", {})
    return {
        CAPSULES: "set_sgemm" in capsules and "set_saxpy" in capsules,
        ARTIFACT_HOOK: callable(getattr(SpacyNlpEngine, "_doc_to_nlp_artifact", None)),
        ENHANCER: callable(getattr(LemmaContextAwareEnhancer, "enhance_using_context", None)),
    }


@cache
def detected() -> Speedups:
    """The speed-ups this process's installed versions allow; warns once about those turned off."""
    speedups = decide(installed_versions(), probe_internals())
    if speedups.off_because:
        reasons = "; ".join(speedups.off_because)
        logger.warning("PII rail speed-ups turned off (slower, same findings): %s", reasons)
    return speedups
