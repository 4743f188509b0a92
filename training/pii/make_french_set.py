"""Generate the French PII evaluation set, deterministically: `eval/datasets/pii/french_pii.json`.

    .venv/bin/python -m training.pii.make_french_set            # writes the file
    .venv/bin/python -m training.pii.make_french_set --check    # exit 1 if the committed file differs

Sentences are templates filled with generated values whose check digits are valid (NIR, SIREN,
SIRET, IBAN + RIB key, VAT key), plus decoys: the same shapes with a wrong check digit, which must
not be flagged (they carry no span). Records use presidio_synth_v2's format: `full_text` and
`spans` with `entity_type`, `entity_value`, `start_position`, `end_position`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socle.guardrails.pii_recognizers.checksums import fr_vat_key, nir_key, rib_key

OUT = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "pii" / "french_pii.json"
SEED = 20240601

FIRST = [
    "Jean",
    "Marie",
    "Camille",
    "Lucas",
    "Chloé",
    "Hugo",
    "Léa",
    "Théo",
    "Manon",
    "Nathalie",
    "Éric",
    "Sophie",
    "Julien",
    "Inès",
    "Louis",
    "Claire",
]
LAST = [
    "Dupont",
    "Martin",
    "Bernard",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Roux",
    "Fournier",
    "Mercier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Chevalier",
    "Lambert",
]
CITIES = [
    ("75002", "Paris"), ("69003", "Lyon"), ("13001", "Marseille"), ("33000", "Bordeaux"), ("59000", "Lille"),
    ("31000", "Toulouse"), ("44000", "Nantes"), ("67000", "Strasbourg"), ("20000", "Ajaccio"),
]  # fmt: skip
WAYS = ["rue", "avenue", "boulevard", "place", "impasse", "chemin", "allée", "quai"]
STREETS = ["de la Paix", "Victor Hugo", "des Lilas", "du Général de Gaulle", "Jean Jaurès", "Saint-Michel",
           "de la République", "des Écoles", "Pasteur", "du Moulin"]  # fmt: skip
DOMAINS = ["exemple.fr", "mail.fr", "societe.com", "orange.fr"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _luhn_digit(body: str) -> str:
    for d in string.digits:
        total = 0
        for i, c in enumerate(reversed(body + d)):
            n = int(c) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return d
    raise AssertionError("unreachable")


def nir(rng: random.Random, *, valid: bool = True) -> str:
    """A NIR, spaced or not; `valid=False` gives a wrong key."""
    dept = rng.choice(["75", "13", "69", "2A", "2B", "33", "59", "01", "92", "94"])
    body = (
        f"{rng.choice('12')}{_digits(rng, 2)}{rng.randint(1, 12):02d}{dept}{_digits(rng, 3)}{_digits(rng, 3)}"
    )
    key = nir_key(body)
    key = key if valid else (key % 97) + 1
    spaced = f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}"
    return spaced if rng.random() < 0.7 else spaced.replace(" ", "")


def siren(rng: random.Random, *, valid: bool = True) -> str:
    """A SIREN; `valid=False` breaks its Luhn digit."""
    body = str(rng.randint(1, 9)) + _digits(rng, 7)
    digit = _luhn_digit(body)
    return body + (digit if valid else str((int(digit) + 1) % 10))


def siret(rng: random.Random, *, valid: bool = True) -> str:
    """A SIRET; `valid=False` breaks its Luhn digit."""
    body = siren(rng) + _digits(rng, 4)
    digit = _luhn_digit(body)
    return body + (digit if valid else str((int(digit) + 3) % 10))


def _group(value: str, size: int = 4) -> str:
    return " ".join(value[i : i + size] for i in range(0, len(value), size))


def fr_iban(rng: random.Random, *, valid: bool = True) -> str:
    """A French IBAN with its RIB key; `valid=False` breaks the IBAN check digits."""
    bank, branch, account = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account):02d}"
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "FR00")) % 97
    check = check if valid else (check % 97) + 2
    iban = f"FR{check:02d}{bban}"
    return _group(iban) if rng.random() < 0.7 else iban


def fr_vat(rng: random.Random, *, valid: bool = True) -> str:
    """A French VAT number; `valid=False` gives a wrong key."""
    number = siren(rng)
    key = fr_vat_key(number) if valid else (fr_vat_key(number) + 1) % 97
    return (
        f"FR{key:02d}{number}"
        if rng.random() < 0.5
        else f"FR {key:02d} {number[:3]} {number[3:6]} {number[6:]}"
    )


def phone(rng: random.Random) -> str:
    """A French phone number in one of three common formats."""
    pairs = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    first = rng.choice("1234567")
    style = rng.randrange(3)
    if style == 0:
        return f"0{first} " + " ".join(pairs)
    if style == 1:
        return f"+33 {first} " + " ".join(pairs)
    return f"0{first}." + ".".join(pairs)


def passport(rng: random.Random) -> str:
    """A French passport number."""
    letters = rng.choice(string.ascii_uppercase) + rng.choice(string.ascii_uppercase)
    return f"{_digits(rng, 2)}{letters}{_digits(rng, 5)}"


def person(rng: random.Random) -> str:
    """A first and last name."""
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def address(rng: random.Random) -> str:
    """A French postal address with postcode and city."""
    postcode, city = rng.choice(CITIES)
    return f"{rng.randint(1, 120)} {rng.choice(WAYS)} {rng.choice(STREETS)}, {postcode} {city}"


def email(rng: random.Random) -> str:
    """An e-mail address made of a name."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    plain = (first + "." + last).lower().translate(str.maketrans("éèêëàçîïôö", "eeeeaciioo"))
    return f"{plain}@{rng.choice(DOMAINS)}"


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "PERSON": person, "FR_NIR": nir, "FR_SIREN": siren, "FR_SIRET": siret, "FR_IBAN": fr_iban,
    "FR_VAT": fr_vat, "FR_PHONE_NUMBER": phone, "FR_PASSPORT": passport, "STREET_ADDRESS": address,
    "EMAIL_ADDRESS": email,
}  # fmt: skip
DECOYS: dict[str, Callable[..., str]] = {
    "FR_NIR": nir, "FR_SIREN": siren, "FR_SIRET": siret, "FR_IBAN": fr_iban, "FR_VAT": fr_vat,
}  # fmt: skip

TEMPLATES = [
    "Bonjour, je m'appelle {PERSON} et mon numéro de sécurité sociale est le {FR_NIR}.",
    "Mon NIR : {FR_NIR}, merci de mettre à jour mon dossier.",
    "Le patient {PERSON}, numéro de sécurité sociale {FR_NIR}, est attendu lundi.",
    "Pouvez-vous vérifier la carte Vitale {FR_NIR} ?",
    "La société est immatriculée au RCS sous le numéro SIREN {FR_SIREN}.",
    "Notre fournisseur (SIREN {FR_SIREN}) n'a pas encore envoyé la facture.",
    "Le SIRET de l'établissement principal est {FR_SIRET}.",
    "Merci d'indiquer le numéro SIRET {FR_SIRET} sur le bon de commande.",
    "Veuillez effectuer le virement sur l'IBAN {FR_IBAN} avant vendredi.",
    "Mon RIB : {FR_IBAN} (compte joint avec {PERSON}).",
    "Numéro de TVA intracommunautaire : {FR_VAT}.",
    "La facture doit mentionner notre TVA {FR_VAT} et le SIRET {FR_SIRET}.",
    "Vous pouvez me joindre au {FR_PHONE_NUMBER} après 18 h.",
    "Appelez {PERSON} sur son portable : {FR_PHONE_NUMBER}.",
    "Tél. {FR_PHONE_NUMBER} — demandez le service comptabilité.",
    "Mon numéro de passeport est {FR_PASSPORT}, il expire en 2027.",
    "Le passeport n° {FR_PASSPORT} de {PERSON} a été déclaré perdu.",
    "J'habite au {STREET_ADDRESS} depuis trois ans.",
    "Merci de livrer le colis au {STREET_ADDRESS}.",
    "Nouvelle adresse de {PERSON} : {STREET_ADDRESS}.",
    "Écrivez-moi à {EMAIL_ADDRESS} pour le suivi du dossier.",
    "Le contrat de {PERSON} ({EMAIL_ADDRESS}) arrive à échéance.",
    "{PERSON} a transmis son IBAN {FR_IBAN} et son numéro {FR_PHONE_NUMBER}.",
    "Dossier de {PERSON} : NIR {FR_NIR}, adresse {STREET_ADDRESS}.",
]
DECOY_TEMPLATES = [
    "Le numéro de sécurité sociale {FR_NIR} est invalide : la clé ne correspond pas.",
    "Attention, le SIREN {FR_SIREN} saisi par {PERSON} est erroné.",
    "Le SIRET {FR_SIRET} a été refusé par l'INSEE.",
    "L'IBAN {FR_IBAN} comporte une faute de frappe, merci de vérifier.",
    "Ce numéro de TVA {FR_VAT} n'est pas valide.",
]
_SLOT = re.compile(r"\{([A-Z_]+)\}")


def fill(template: str, rng: random.Random, *, decoy: bool) -> dict[str, Any]:
    """One record: the template with each slot filled, gold spans for the valid values only."""
    text, spans, cursor = "", [], 0
    for match in _SLOT.finditer(template):
        entity = match.group(1)
        text += template[cursor : match.start()]
        is_decoy = decoy and entity in DECOYS
        value = DECOYS[entity](rng, valid=False) if is_decoy else GENERATORS[entity](rng)
        if not is_decoy:
            spans.append({"entity_type": entity, "entity_value": value, "start_position": len(text),
                          "end_position": len(text) + len(value)})  # fmt: skip
        text += value
        cursor = match.end()
    text += template[cursor:]
    return {
        "full_text": text,
        "masked": None,
        "spans": spans,
        "template_id": None,
        "metadata": {"decoy": decoy},
    }


def generate(n_per_template: int = 10, n_per_decoy: int = 10) -> list[dict[str, Any]]:
    """The whole set: every template `n_per_template` times, every decoy `n_per_decoy` times."""
    rng = random.Random(SEED)
    records = []
    for index, template in enumerate(TEMPLATES):
        for _ in range(n_per_template):
            records.append(fill(template, rng, decoy=False) | {"template_id": index})
    for index, template in enumerate(DECOY_TEMPLATES):
        for _ in range(n_per_decoy):
            records.append(fill(template, rng, decoy=True) | {"template_id": 100 + index})
    return records


def main() -> int:
    """Write the set, or check the committed one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed file instead of writing"
    )
    args = parser.parse_args()
    rendered = json.dumps(generate(), ensure_ascii=False, indent=1) + "\n"
    if args.check:
        return 0 if OUT.read_text(encoding="utf-8") == rendered else 1
    OUT.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
