"""Generated training sentences for Socle's English PII NER: templates filled with Faker values.

Deterministic for a seed. Names, places and addresses come from many Faker locales (multicultural
names in Latin script, some romanized Japanese and Chinese names, some Greek), in several shapes
(`Anna K. Berg`, `BERG`, lower case). Faker is a training-time dependency only (the `dev` extra).
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from faker import Faker

from training.pii.ner_templates import FILLERS, NEGATIVES, TEMPLATES

NAME_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_AU", "en_CA", "en_IN", "en_NG", "de_DE", "de_AT", "de_CH", "fr_FR",
    "fr_CA", "fr_BE", "es_ES", "es_MX", "es_AR", "it_IT", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "da_DK",
    "sv_SE", "no_NO", "fi_FI", "is_IS", "pl_PL", "cs_CZ", "sk_SK", "sl_SI", "hr_HR", "bs_BA", "hu_HU",
    "ro_RO", "tr_TR", "et_EE", "lv_LV", "lt_LT", "id_ID", "fil_PH", "vi_VN", "az_AZ", "sq_AL", "ga_IE",
    "yo_NG", "zu_ZA", "sw", "fr_DZ", "mt_MT", "lb_LU",
)  # fmt: skip
"""Locales whose names and places are in Latin script."""
CITY_LOCALES = (
    "en_IN", "de_DE", "de_AT", "de_CH", "es_ES", "es_AR", "pt_PT", "nl_NL", "nl_BE", "da_DK",
    "sv_SE", "fi_FI", "pl_PL", "cs_CZ", "sk_SK", "sl_SI", "hr_HR", "hu_HU", "ro_RO", "id_ID", "az_AZ",
    "zu_ZA", "fr_DZ",
)  # fmt: skip
"""Locales whose `city()` draws from real place names; the others build cities from first names
(`West Donald`, `Katherine Ville`), which would teach the model that first names are places.
(`it_IT` has real cities, but draws them from a set: its order, so the data, would change per run.)"""
WORLD_CITIES = (
    "London", "Paris", "New York", "Chicago", "Toronto", "Sydney", "Melbourne", "Dublin", "Manchester",
    "Boston", "Los Angeles", "Seattle", "Vancouver", "Auckland", "Cape Town", "Lagos", "Nairobi", "Cairo",
    "Tokyo", "Osaka", "Beijing", "Shanghai", "Seoul", "Mumbai", "Delhi", "Singapore", "Bangkok", "Istanbul",
    "Moscow", "Kyiv", "Reykjavik", "Oslo", "Helsinki", "Tallinn", "Riga", "Vilnius", "Athens", "Nicosia",
    "Lisbon", "Madrid", "Barcelona", "Rome", "Milan", "Vienna", "Zurich", "Geneva", "Brussels", "Amsterdam",
    "Lyon", "Marseille", "Montreal", "Quebec", "Mexico City", "Buenos Aires", "Santiago", "Lima", "Bogotá",
    "São Paulo", "Rio de Janeiro", "Edinburgh", "Glasgow", "Cardiff", "Belfast", "Perth", "Brisbane",
)  # fmt: skip
"""Well-known cities, for the English-speaking and other places `CITY_LOCALES` lacks."""
ROMANIZED_LOCALES = ("ja_JP", "zh_CN", "zh_TW")
OTHER_SCRIPT_LOCALES = ("el_GR", "ru_RU", "uk_UA", "bg_BG")

LABELS = {"P": "PERSON", "F": "PERSON", "L": "PERSON", "G": "GPE", "C": "GPE", "N": "GPE",
          "A": "ADDRESS", "AF": "ADDRESS", "S": "ADDRESS", "O": "ORG"}  # fmt: skip
"""Slot -> NER label; slots not listed are filled but not labelled."""

_SLOT = re.compile(r"\{([A-Z]+)(\d?)\}")
_FIRST_DAY, _LAST_DAY = datetime.date(1950, 1, 1), datetime.date(2024, 12, 31)  # not "today": reproducible
_ORG_SUFFIXES = (
    "Inc",
    "Group",
    "Labs",
    "Partners",
    "Analytics",
    "Capital",
    "Insurance",
    "Networks",
    "Health",
    "Finance",
    "Media",
    "Logistics",
    "Consulting",
    "Foods",
    "Energy",
    "Movers",
)
_UNITS = ("Apt.", "Apt", "Suite", "Unit", "Flat", "Floor", "Room", "#")


@dataclass(frozen=True, slots=True)
class Sample:
    """One training sentence and its labelled character spans."""

    text: str
    spans: tuple[tuple[int, int, str], ...] = field(default=())


class ValueMaker:
    """Random values for the slots, drawn from Faker locales with one seeded `random.Random`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._fakers: dict[str, Faker] = {}
        Faker.seed(seed)

    def faker(self, locale: str) -> Faker:
        if locale not in self._fakers:
            fake = Faker(locale)
            fake.seed_instance(self.rng.randrange(1 << 30))
            self._fakers[locale] = fake
        return self._fakers[locale]

    def call(self, fake: Faker, provider: str) -> str:
        """`fake.<provider>()`, or en_US's where the locale lacks that provider."""
        method = getattr(fake, provider, None) if hasattr(fake, provider) else None
        return str((method or getattr(self.faker("en_US"), provider))())

    def _locale(self) -> Faker:
        roll = self.rng.random()
        pool = NAME_LOCALES if roll < 0.85 else ROMANIZED_LOCALES if roll < 0.95 else OTHER_SCRIPT_LOCALES
        return self.faker(self.rng.choice(pool))

    def first(self, fake: Faker | None = None) -> str:
        fake = fake or self._locale()
        return fake.first_romanized_name() if hasattr(fake, "first_romanized_name") else fake.first_name()

    def last(self, fake: Faker | None = None) -> str:
        fake = fake or self._locale()
        return fake.last_romanized_name() if hasattr(fake, "last_romanized_name") else fake.last_name()

    def person(self) -> str:
        fake = self._locale()
        first, last = self.first(fake), self.last(fake)
        initial = self.rng.choice("ABCDEFGHIJKLMNOPRSTVW")
        shapes = (f"{first} {last}",) * 6 + (f"{first} {initial}. {last}", f"{first} {initial} {last}",
                  f"{first} {self.first(fake)} {last}", f"{initial}. {last}")  # fmt: skip
        return self._case(self.rng.choice(shapes))

    def city(self) -> str:
        if self.rng.random() < 0.25:
            return self._case(self.rng.choice(WORLD_CITIES), upper=0.12)
        return self._case(self.call(self.faker(self.rng.choice(CITY_LOCALES)), "city"), upper=0.12)

    def country(self) -> str:
        return self._case(self.faker("en_US").country(), upper=0.05)

    def place(self) -> str:
        fake = self.faker(self.rng.choice(("en_US", "en_AU", "en_CA", "de_DE", "it_IT", "es_ES", "en_IN")))
        choices = (self.city, self.country, self.city, lambda: self.call(fake, "administrative_unit"))
        return self.rng.choice(choices)()

    def street(self) -> str:
        fake = self.faker(self.rng.choice(NAME_LOCALES))
        line = self.call(fake, "street_address")
        if self.rng.random() < 0.25:
            line = f"{self.rng.randrange(1, 99999)} {line}"
        if self.rng.random() < 0.3:
            separator, unit = self.rng.choice((" ", ", ")), self.rng.choice(_UNITS)
            line += f"{separator}{unit} {self.rng.randrange(1, 999)}"
        return self._case(line, upper=0.03)

    def full_address(self) -> str:
        fake = self.faker(self.rng.choice(CITY_LOCALES))
        city, postcode = self.city(), self.call(fake, "postcode")
        parts = [self.street(), city if self.rng.random() < 0.5 else f"{postcode} {city}"]
        if self.rng.random() < 0.5:
            parts.append(f"{self.country()} {postcode}" if self.rng.random() < 0.5 else self.country())
        roll = self.rng.random()
        if roll < 0.25:
            return self.call(fake, "address")
        separator = ", " if roll < 0.6 else self.rng.choice(("\n", "\n ", "\n> ", "\n\t", "\n    "))
        return self._case(separator.join(parts), upper=0.02)

    def company(self) -> str:
        """A Faker company, an invented brand (`Brightfield`), or two words and a suffix (`Sun Hill Labs`)."""
        roll = self.rng.random()
        if roll < 0.5:
            return self.call(self.faker(self.rng.choice(NAME_LOCALES)), "company")
        words = [w.capitalize() for w in self.faker("en_US").words(self.rng.randrange(2, 4))]
        if roll < 0.75:
            return words[0] + words[1].lower()
        return " ".join([*words[:2], self.rng.choice(_ORG_SUFFIXES)])

    def title(self) -> str:
        """Two to four title-case English words."""
        return " ".join(w.capitalize() for w in self.faker("en_US").words(self.rng.randrange(2, 5)))

    def phone(self) -> str:
        return self.call(self.faker(self.rng.choice(NAME_LOCALES)), "phone_number")

    def street_name(self) -> str:
        return self._case(self.call(self.faker(self.rng.choice(NAME_LOCALES)), "street_name"))

    def _case(self, value: str, *, upper: float = 0.03, lower: float = 0.015) -> str:
        roll = self.rng.random()
        return value.upper() if roll < upper else value.lower() if roll < upper + lower else value

    def makers(self) -> dict[str, Callable[[], str]]:
        """Slot name -> value maker."""
        fake = self.faker("en_US")
        return {
            "P": self.person, "F": lambda: self._case(self.first()), "L": lambda: self._case(self.last()),
            "G": self.place, "C": self.city, "N": self.country, "A": self.street, "AF": self.full_address,
            "O": self.company, "D": lambda: fake.date_between(_FIRST_DAY, _LAST_DAY).isoformat(),
            "S": self.street_name, "T": self.title, "PH": self.phone, "E": fake.email,
            "J": fake.job, "NUM": lambda: str(self.rng.randrange(1, 100000)), "CC": fake.credit_card_number,
            "IP": fake.ipv4, "IBAN": fake.iban, "SSN": fake.ssn, "URL": fake.url,
        }  # fmt: skip

    def filler_makers(self) -> dict[str, Callable[[], str]]:
        """Like `makers`, with non-personal phrases in the person and place slots (and no label)."""
        filler = lambda: self.rng.choice(FILLERS)  # noqa: E731
        return self.makers() | dict.fromkeys(("P", "F", "L", "G", "C", "N"), filler)


def fill(template: str, makers: dict[str, Callable[[], str]], *, filler: bool = False) -> Sample:
    """The template with each slot replaced by a value, and the labelled spans of the values."""
    values: dict[str, str] = {}
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    position = 0
    last = 0
    for slot in _SLOT.finditer(template):
        literal = template[last : slot.start()]
        parts.append(literal)
        position += len(literal)
        key = slot.group(0)
        if key not in values:
            values[key] = makers[slot.group(1)]()
        value = values[key]
        if slot.group(1) in LABELS and not (filler and slot.group(1) in "PFLGCN"):
            spans.append((position, position + len(value), LABELS[slot.group(1)]))
        parts.append(value)
        position += len(value)
        last = slot.end()
    parts.append(template[last:])
    return Sample("".join(parts), tuple(spans))


def samples(count: int, seed: int) -> Iterator[Sample]:
    """`count` samples: 70% templates with values, 16% with non-personal fillers, 14% negatives."""
    maker = ValueMaker(seed)
    makers, fillers = maker.makers(), maker.filler_makers()
    rng = random.Random(seed + 1)
    lorem = maker.faker("en_US")
    for _ in range(count):
        roll = rng.random()
        if roll < 0.08:
            yield Sample(rng.choice(NEGATIVES))
            continue
        if roll < 0.14:
            yield Sample(lorem.sentence(nb_words=rng.randrange(4, 14)))
            continue
        if roll < 0.30:
            yield fill(rng.choice(TEMPLATES), fillers, filler=True)
            continue
        sample = fill(rng.choice(TEMPLATES), makers)
        if rng.random() < 0.05:
            sample = Sample(sample.text.lower(), sample.spans)
        yield sample
