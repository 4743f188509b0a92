"""Lexicon features for the text classifiers: what a word is (insult, threat, cue), not how it is spelt.

The word and character blocks learn words from the training rows; a French insult that no training
row holds (`tocard`, `enculé`) weighs nothing there. This block maps each token to the categories of a
hand-written French and English lexicon (`CATEGORIES`): insult and swear stems with their inflections
(`connard`, `connards`, `connasse`), violent verbs and the body parts they hit, second-person words,
negations, reporting verbs (`called`, `traité`, `signaler`), words naming the AI, override verbs and
what an attack asks to reveal. A token gives one term per category (`lex:insult`), and each pair of
adjacent tokens one term per pair of their categories (`lex:second+harm` for `te tuer` or `kill you`;
`lex:harm` alone for `tuer le processus`; `lex:report+second`...), so the logistic regression learns
how much a category weighs, and in which company, from every word of the lexicon at once.

Terms depend only on a token and its right neighbour: a window's terms are the same whether it is
cut from a long text at run time or scored alone in training (the parity the trainer relies on).
A category is matched on the whole token (`_EXACT`, for short or ambiguous words: `con`, `nul`) or on
its start (`_STEMS`, five letters or more: `conna` for `connard`, `connasse`, `connards`).
Quotes are not seen (tokens are runs of word characters): a reported insult is told apart by its
reporting verb instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

PREFIX = "lex:"

_EXACT: dict[str, str] = {
    "insult": (
        "con cons conne connes nul nulle nuls nulles naze nazes pute putes pd tare tarée tarés "
        "idiot idiots idiote idiotes moron morons jerk jerks dick dicks prick pricks twat twats cunt "
        "cunts slut sluts whore whores bitch bitches fag retarded loser losers clown clowns "
        "dumb dumbass thick scum slob pig pigs rat rats cow garbage trash dog chien chiens "
        "truie porc porcs rat déchet déchets nullard nullards boulet boulets tocard tocards "
        "toquard bouffon bouffons bouffonne clown parasite parasites "
        "pétasse pétasses feignasse feignasses grognasse pouffiasse salaud salauds ordure ordures "
        "raclure raclures enflure enflures charogne fumier fumiers glandu glandus glandeur guignol "
        "guignols cassos teubé gogol crevard crevure lopette tapette minable minables boloss "
        "snitch snitches knobhead muppet muppets wanker wankers tosser prat plonker skank "
        "douchebag scumbag dipshit shithead asshat jackass dimwit nitwit halfwit numpty pillock bellend"
    ),
    "swear": (
        "merde merdes putain bordel chier fuck fucks fucked fucking fuckin shit shits shitty crap "
        "crappy damn goddamn bloody piss pissed hell nique niquer foutre fous fout foutu foutue "
        "bite couille couilles cul chiotte chiottes "
        "bollocks bullshit arse ass wtf merdique merdiques emmerde emmerder chiant chiante foutez"
    ),
    "harm": (
        "kill kills killed killing tuer tue tues tué tuée buter bute bute crever crève crevé "
        "frapper frappe cogner cogne beat beating stab stabbed slit shoot shot punch punched "
        "smash smashing hurt hurts burn brûler brûle crame cramer égorge égorger saigne saigner "
        "défonce défoncer défonces éclate éclater casse casser pète péter massacre massacrer "
        "flinguer flingue murder murdered strangle étrangler étrangle "
        "die tabasser tabasse slash slashed choke bury pourrir pourris"
    ),
    "body": (
        "gueule tronche face faces jaw jaws teeth dents dent legs leg jambes jambe throat gorge "
        "gorges neck cou skull crâne nose nez head tête ribs côtes"
    ),
    "second": "you your yours yourself ur u tu t te toi ton ta tes vous votre vos",
    "intent": "will ll gonna going vais vas va irai ira swear jure promise promets",
    "negation": "not no never don doesn isn aren won nobody pas ne n jamais aucun aucune personne rien",
    "report": (
        "called calls said says wrote writes told shouted yelled typed posted quote quoted quoting "
        "report reported reporting complaint complain complains harassment harcèlement insulte "
        "insultes insulted insulting traité traitée traités dit dite écrit écrite lancé crié "
        "signaler signalé signale plainte citer cite cité moderate moderation modérer modération "
        "témoin witness translate traduis traduire meaning signifie expression"
    ),
    "ai": (
        "ai ia assistant assistants model modèle llm chatbot bot bots gpt chatgpt dan system système "
        "machine automated automatique lecteur reader"
    ),
    "override": (
        "ignore ignores ignoring ignorer ignorez disregard forget oublie oubliez oublier override "
        "bypass contourne contourner outrepasse supersede annule annulées annulés suspend suspended "
        "suspendus disobey désobéis unrestricted unfiltered jailbreak jailbroken obey obéis obéir "
        "comply conform"
    ),
    "rules": (
        "instructions instruction consignes consigne rules règles guidelines directives policy "
        "policies politique restrictions restriction filters filtre filtres garde fous guardrails "
        "safety sécurité prompt prompts"
    ),
    "reveal": (
        "reveal révèle révéler verbatim dump print affiche afficher recopie recopier repeat répète "
        "output hidden cachées caché cachés caché internal internes interne"
    ),
}
_STEMS: dict[str, str] = {
    "insult": (
        "conna connar salau salop enculé encule abruti crétin cretin débil debil imbéci imbeci "
        "bâtar batar branleu incapab minabl pouffi grognas tocard trouduc stupid imbecil "
        "asshol arsehol bastar dickhe jackas dumbas fuckwi wanker tosser scumba moron idiot "
        "worthl useles pathet brainl incompet enfoi ordur branqu crevur"
    ),
    "swear": "fuckin motherf putai emmerd chiant",
    "harm": "égorg massacr étrangl strangl murder crève",
    "report": "signal harcel harass insult",
}
CATEGORIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (frozenset(_EXACT.get(name, "").split()), frozenset(_STEMS.get(name, "").split()))
    for name in sorted({*_EXACT, *_STEMS})
}
"""Category -> (whole words, stems of five letters or more that a word may start with)."""
_STEM_LENGTHS = sorted({len(s) for _, stems in CATEGORIES.values() for s in stems})


@lru_cache(maxsize=50_000)
def categories(word: str) -> tuple[str, ...]:
    """The lexicon categories of one lower-cased token, in `CATEGORIES` order (often none); cached."""
    prefixes = {word[:n] for n in _STEM_LENGTHS if len(word) >= n}
    return tuple(
        name for name, (exact, stems) in CATEGORIES.items() if word in exact or not prefixes.isdisjoint(stems)
    )


def single_terms(found: Sequence[str]) -> list[str]:
    """The terms of one token whose categories are `found`: `lex:<category>` each."""
    return [PREFIX + c for c in found]


def pair_terms(left: Sequence[str], right: Sequence[str]) -> list[str]:
    """The terms of two adjacent tokens: `lex:<left category>+<right category>` for each pair."""
    return [f"{PREFIX}{a}+{b}" for a in left for b in right]


def lexicon_features(words: Sequence[str]) -> list[str]:
    """Every token's single terms, then every adjacent pair's terms (as `word_features` orders them)."""
    found = [categories(w) for w in words]
    singles = [t for f in found for t in single_terms(f)]
    return singles + [t for a, b in pairwise(found) for t in pair_terms(a, b)]
