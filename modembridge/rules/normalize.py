"""Text normalisation for keyword matching (pure).

Two forms of an inbound text:

- `fold(text)`: compatibility-decomposed (NFKD), diacritics and invisible format characters
  removed, case-folded, whitespace collapsed and trimmed. Punctuation stays, so regex rules
  can still see it. `ARRÊT` folds to `arret`, full-width `ＳＴＯＰ` to `stop`.
- `key(text)`: `fold`, then apostrophes dropped (`don't` -> `dont`) and every other
  character that is not a letter or digit turned into a space. `" Stop!! "`, `"STOP."` and
  `"stop"` share the key `stop`; `"OPT-OUT"` has the key `opt out`.

Normalisation only ever removes case, diacritics, punctuation and spacing: it never changes
or reorders letters, which is what keeps a non-opt-out word from becoming an opt-out one.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile("['’ʼ`´]")
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Case, diacritics, compatibility forms and spacing folded; punctuation kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        c
        for c in decomposed
        if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cf", "Mn")
    )
    # casefold can produce new decomposable characters (e.g. U+0130): decompose once more.
    folded = unicodedata.normalize("NFKD", kept.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(folded.split())


def key(text: str) -> str:
    """The matching key: `fold`, apostrophes dropped, other non-alphanumerics as spaces."""
    folded = _APOSTROPHES.sub("", fold(text))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def letters(text: str) -> str:
    """Only the letters and digits of `key(text)` (for comparing keywords ignoring spacing)."""
    return key(text).replace(" ", "")


def first_words_match(message_key: str, keyword_key: str) -> bool:
    """True when `message_key` starts with the whole words of `keyword_key`."""
    if not keyword_key:
        return False
    return message_key == keyword_key or message_key.startswith(keyword_key + " ")


__all__ = ["first_words_match", "fold", "key", "letters"]
