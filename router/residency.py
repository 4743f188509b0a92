"""Data residency: which deployment locations may see which data classes (pure, no I/O).

Every call carries the data classes of what the model would see (`public` < `internal` <
`personal` < `sensitive` < `secret`), found by the guardrails in its messages, retrieved chunks and
tool results, by the knowledge tier of its sources and by the tenant's own floor. A
`ResidencyPolicy` maps each class to the locations allowed to see it (a deployment's `location`:
`on-prem`, `eu-cloud`, `us-cloud`, ...); `place` keeps the candidates of a route decision that may
see every class of the call and says what to do when none may:

- `route`: some candidates are allowed; the others are dropped from the decision.
- `pseudonymize`: none is allowed in clear, but concealing the classes the policy lets Socle
  pseudonymize (placeholders, the values kept on-prem in the vault) would make one allowed.
- `refuse`: nothing allowed could see this call (a 403 `data_location_refused`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, TypeAlias

from socle.router.base import Deployment, RouteDecision

from socle.sovereignty_settings import SovereigntySettings

DataClass: TypeAlias = Literal["public", "internal", "personal", "sensitive", "secret"]
DATA_CLASSES: tuple[DataClass, ...] = ("public", "internal", "personal", "sensitive", "secret")
"""From the least to the most restricted."""

ANYWHERE = "*"
"""In an allowed list: every location."""

ON_PREM = "on-prem"
UNSPECIFIED = "unspecified"
"""The location of a remote deployment whose configuration names none."""

PlacementAction: TypeAlias = Literal["route", "pseudonymize", "refuse"]

DEFAULT_ENTITY_CLASSES: Mapping[str, DataClass] = {
    # National identifiers and payment data: sensitive (GDPR Art. 9/87-style special handling).
    "FR_NIR": "sensitive",
    "US_SSN": "sensitive",
    "FR_PASSPORT": "sensitive",
    "FR_CNI": "sensitive",
    "CREDIT_CARD": "sensitive",
    "IBAN_CODE": "sensitive",
    "FR_IBAN": "sensitive",
    # Companies' registration numbers are published: they disclose no person.
    "FR_SIREN": "public",
    "FR_SIRET": "public",
    "FR_VAT": "public",
}
"""Entity -> class where it differs from the rail's default (`pii`: personal, `secrets`: secret)."""

DEFAULT_RAIL_CLASSES: Mapping[str, DataClass] = {"pii": "personal", "secrets": "secret"}


def rank(data_class: str) -> int:
    """The position of `data_class` in `DATA_CLASSES` (unknown names count as `secret`)."""
    return DATA_CLASSES.index(data_class) if data_class in DATA_CLASSES else len(DATA_CLASSES) - 1


def highest(classes: Iterable[str]) -> str:
    """The most restricted of `classes` (`public` when empty)."""
    return max(classes, key=rank, default="public")


@dataclass(frozen=True, slots=True)
class ResidencyPolicy:
    """Which locations may see each data class, and how findings and sources are classified.

    Args:
        allowed: class -> locations allowed to see it (`*`: any). A class missing here is allowed
            nowhere: a call holding it is refused.
        pseudonymize: the classes Socle may conceal behind placeholders to reach a location that
            may not see them in clear.
        concealed: the class a pseudonymized value counts as (its placeholder discloses no value;
            the mapping stays in the on-prem vault).
        entities: guardrail entity -> class, where it differs from its rail's (`rails`).
        rails: rail name -> class of what it finds (`pii`: personal, `secrets`: secret).
        tenants: tenant -> the least class of everything it sends (a health tenant: `sensitive`).
        tiers: knowledge tier -> class of its chunks (`internal` documents, `external` sources).
        default_class: the class of a call with no finding and no floor.
    """

    allowed: Mapping[str, frozenset[str]]
    _: KW_ONLY
    pseudonymize: frozenset[str] = frozenset({"personal"})
    concealed: str = "public"
    entities: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENTITY_CLASSES))
    rails: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_RAIL_CLASSES))
    tenants: Mapping[str, str] = field(default_factory=dict)
    tiers: Mapping[str, str] = field(default_factory=lambda: {"internal": "internal", "external": "public"})
    default_class: str = "public"

    @classmethod
    def from_settings(cls, settings: SovereigntySettings) -> ResidencyPolicy:
        """The policy of the `sovereignty` settings section."""
        return cls(
            {name: frozenset(places) for name, places in settings.allowed.items()},
            pseudonymize=frozenset(settings.pseudonymize),
            concealed=settings.concealed,
            entities={**DEFAULT_ENTITY_CLASSES, **settings.entities},
            tenants=dict(settings.tenants),
            tiers=dict(settings.tiers),
            default_class=settings.default_class,
        )

    def allows(self, location: str, classes: Iterable[str]) -> bool:
        """True if `location` may see every class of `classes`."""
        for data_class in classes:
            locations = self.allowed.get(data_class, frozenset())
            if ANYWHERE not in locations and location not in locations:
                return False
        return True

    def covers(self, floor: Iterable[str], data_class: str) -> bool:
        """True when every location that may see all of `floor` may also see `data_class`.

        A run's steps are placed by their floor alone: evidence of a class the floor does not cover
        could reach a location that may not see it, so it is kept out of the run.
        """
        wanted = self.allowed.get(data_class, frozenset())
        if ANYWHERE in wanted:
            return True
        sets = [self.allowed.get(c, frozenset()) for c in floor]
        bounded = [s for s in sets if ANYWHERE not in s]
        if not bounded:
            return False  # the floor goes anywhere; `data_class` does not
        return frozenset.intersection(*bounded) <= wanted

    def finding(self, rail: str, entity: str) -> str:
        """The class of a value a rail found (`entities`, else the rail's, else `personal`)."""
        return self.entities.get(entity) or self.rails.get(rail) or "personal"

    def base_classes(self, tenant_id: str | None, tiers: Iterable[str] = ()) -> frozenset[str]:
        """The classes a call holds before any finding: the default, the tenant's, its sources' tiers."""
        found = {self.default_class, *(self.tiers.get(t, "internal") for t in tiers)}
        if tenant_id is not None and tenant_id in self.tenants:
            found.add(self.tenants[tenant_id])
        return frozenset(found)

    def place(
        self,
        decision: RouteDecision,
        classes: Iterable[str],
        *,
        others: Sequence[Deployment] = (),
        concealable: Iterable[str] = (),
    ) -> Placement:
        """Where a call holding `classes` may go among `decision`'s candidates.

        Args:
            decision: the router's choice; its candidates keep their order.
            classes: the classes of what the model would see.
            others: deployments to pick from when no candidate is allowed (for `auto`: the whole
                catalog, least tier first); empty for a model named by the client.
            concealable: the classes found in values that pseudonymizing would conceal.
        """
        held = frozenset(classes)
        candidates = decision.candidates
        allowed = {place: self.allows(place, held) for place in {d.location for d in candidates}}
        kept = tuple(d for d in candidates if allowed[d.location])
        if not kept:
            kept = tuple(d for d in others if self.allows(d.location, held))
        chosen = {id(d) for d in kept}  # identity: comparing frozen dataclasses field by field is slow
        dropped = tuple(d.name for d in candidates if id(d) not in chosen)
        if kept:
            return Placement("route", held, kept, dropped=dropped, reason=self._reason(held, kept[0]))
        hidden = frozenset(concealable) & self.pseudonymize
        if hidden:
            lowered = (held - hidden) | {self.concealed}
            pool = (*candidates, *others)
            if any(self.allows(d.location, lowered) for d in pool):
                reason = f"{', '.join(sorted(hidden, key=rank))} pseudonymized for {self._locations(pool)}"
                return Placement("pseudonymize", held, (), dropped=dropped, reason=reason, conceal=hidden)
        locations = sorted({d.location for d in (*candidates, *others)})
        reason = (
            f"{highest(held)} data may not leave {self._allowed_of(held)}; "
            f"the deployments of this model are in {', '.join(locations)}"
        )
        return Placement("refuse", held, (), dropped=dropped, reason=reason)

    def _allowed_of(self, classes: frozenset[str]) -> str:
        sets = [self.allowed.get(c, frozenset()) for c in classes]
        common = [s for s in sets if ANYWHERE not in s]
        if not common:
            return "any location"
        places = frozenset.intersection(*common)
        return ", ".join(sorted(places)) if places else "Socle (no location is allowed)"

    def _reason(self, classes: frozenset[str], chosen: Deployment) -> str:
        return f"{highest(classes)} data allowed in {chosen.location} ({chosen.name})"

    def _locations(self, pool: Sequence[Deployment]) -> str:
        return ", ".join(sorted({d.location for d in pool}))


@dataclass(frozen=True, slots=True)
class Placement:
    """The residency decision of one call: what it holds, where it may go, and why.

    `kept` are the allowed deployments, in the order to try them (empty unless `route`); `dropped`
    the names of the router's candidates removed; `conceal` the classes to pseudonymize.
    """

    action: PlacementAction
    classes: frozenset[str]
    kept: tuple[Deployment, ...]
    _: KW_ONLY
    dropped: tuple[str, ...] = ()
    reason: str = ""
    conceal: frozenset[str] = frozenset()

    def decision(self, routed: RouteDecision) -> RouteDecision:
        """`routed` restricted to the allowed deployments (itself when nothing was dropped)."""
        if not self.dropped and all(a is b for a, b in zip(self.kept, routed.candidates, strict=False)):
            return routed
        reason = f"{routed.reason}; residency: {self.reason}"
        return RouteDecision(self.kept[0], reason, fallbacks=self.kept[1:])

    @property
    def label(self) -> str:
        """The classes, most restricted first, as the request log stores them (`personal,internal`)."""
        return ",".join(sorted(self.classes, key=rank, reverse=True))


@dataclass(frozen=True, slots=True)
class Residency:
    """The policy with the catalog it picks from when a virtual model's choice is not allowed."""

    policy: ResidencyPolicy
    catalog: tuple[Deployment, ...] = ()
    floor: frozenset[str] = frozenset()  # classes every call holds (orchestrated runs read documents)

    def place(
        self,
        model: str,
        decision: RouteDecision,
        classes: Iterable[str],
        *,
        tenant_id: str | None = None,
        concealable: Iterable[str] = (),
    ) -> Placement:
        """`ResidencyPolicy.place` for a call of `tenant_id` to `model`, the tenant's floor added.

        A model the client named keeps its own deployments; a virtual model (`auto`) may move to
        any allowed deployment of the catalog, least tier first (the cheapest allowed).
        """
        named = any(d.name == model for d in self.catalog)
        others = () if named else tuple(sorted(self.catalog, key=lambda d: d.tier))
        held = self.policy.base_classes(tenant_id) | self.floor | frozenset(classes)
        return self.policy.place(decision, held, others=others, concealable=concealable)
