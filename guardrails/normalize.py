"""Undo the cheap obfuscations of a text before the classifiers tokenize it.

Attacks and insults get past a bag of n-grams by spelling a word so that no known token matches:
letters spaced or joined by hyphens, dots or stars (`i-g-n-o-r-e`, `f.u.c.k`, `c o n n a r d`) and
digits or signs for letters (`1gn0r3`, `sh1t`, `pr0mpt`, `@dmin`). `deobfuscate` joins such runs of
single letters into one word and maps `0 1 3 4 5 7 @ $` to `o i e a s t a s` inside tokens that also
hold at least two letters. An artifact with `"normalize": true` applies it before tokenizing, at
training time and at run time alike (the trainer's `normalize` option), so both see the same tokens.

Ordinary text is left as it was: a run needs three single characters, two of them letters, joined
by hyphens, dots, stars or underscores (`1.2.3` stays), or four single letters separated by single
spaces (`il y a à faire` keeps its words), and a token needs two letters besides the digits (`T3`,
`x86`, `2026` stay; an address keeps its `@`). Pure `str` work, a few microseconds per KB.
"""

from __future__ import annotations

import re

_JOINED = re.compile(r"(?<!\w)[^\W_](?:[-.*_][^\W_]){2,}(?!\w)")
"""Three or more single letters or digits joined by one of `- . * _` (`i-g-n-o-r-e`, `1-g-n-0-r-e`)."""
_SPACED = re.compile(r"(?<!\w)[^\W\d_](?: [^\W\d_]){3,}(?!\w)")
"""Four or more single letters separated by single spaces (`c o n n a r d`)."""
_SEPARATORS = re.compile(r"[-.*_ ]")
_LEET_TOKEN = re.compile(r"[\w@$]*[013457@$][\w@$]*")
_LEET = str.maketrans("013457@$", "oieasta" + "s")
_LETTER = re.compile(r"[^\W\d_]")
_EMAIL_AT = re.compile(r"\w@\w")


def _join(match: re.Match[str]) -> str:
    run = match.group(0)
    return _SEPARATORS.sub("", run) if len(_LETTER.findall(run)) >= 2 else run  # not `1.2.3`


def _unleet(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(_LETTER.findall(token)) < 2:
        return token
    if _EMAIL_AT.search(token):  # user@example: an address, not `@dmin`
        return token.replace("@", "\0").translate(_LEET).replace("\0", "@")
    return token.translate(_LEET)


def deobfuscate(text: str) -> str:
    """`text` with spaced or joined single letters made one word and leetspeak digits made letters."""
    text = _JOINED.sub(_join, text)
    text = _SPACED.sub(_join, text)
    return _LEET_TOKEN.sub(_unleet, text)
