"""Text handling shared by the lexical and the semantic side of ranking.

Users of the platform write Korean, English and both mixed in one sentence ("PDF 파일 요약해줘"), and agent
names are identifiers ("MixerBox_Translate_AI_language_tutor", "WeatherTool"). BM25 needs tokens that match
across those forms, so :func:`lexical_tokens`

* normalises with NFKC and case-folds (full-width Latin, compatibility jamo, ligatures);
* splits identifiers at ``_``, ``-`` and camelCase boundaries, so a name matches the words in a request;
* keeps Latin-script words and numbers as word tokens, drops English stop words and strips the most
  common inflections (a deliberately light stemmer: a heavy one conflates too much on short texts);
* turns every run of Hangul — and of any other script written without reliable word boundaries (Han,
  Kana, Thai, …) — into overlapping character bigrams. Korean attaches particles and endings to words
  ("번역해줘", "번역을"), so whole-word tokens would rarely match; bigrams ("번역", "역해") do, without a
  morphological analyser that would cost megabytes and milliseconds in a Lambda.

Emoji and punctuation produce no token, so a request made only of them has no lexical signal (the ranker
then falls back to history and popularity).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "humanise_identifier",
    "latin_letter_share",
    "lexical_tokens",
    "normalise",
]

# Hangul syllables, jamo and compatibility jamo; kept apart from other scripts only for readability.
_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
_LATIN = "0-9a-z\u00c0-\u024f"
# Combining marks are not "word" characters to ``re`` (Thai vowel signs, Indic matras, Arabic and
# Hebrew points), yet they belong inside the word; these blocks keep such runs whole. Listed by hand
# because computing the Unicode mark set at import would cost cold-start time.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\ufe20-\ufe2f"
)
_TOKEN_RE = re.compile(
    rf"(?P<latin>[{_LATIN}]+)"
    rf"|(?P<hangul>[{_HANGUL}]+)"
    # any other letter or digit run (Han, Kana, Thai, Cyrillic, …), never crossing into the two above
    rf"|(?P<other>(?:(?![{_LATIN}{_HANGUL}])[^\W_]|[{_MARKS}])+)"
)
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATOR_RE = re.compile(r"[_\-/.]+")

# Scripts whose words are separated by spaces; everything else is bigrammed.
_SPACED_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "ARABIC", "HEBREW", "DEVANAGARI")

# A compact English stop-word list: words that occur in most requests ("can you help me find …") and
# carry no information about which agent fits.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "want",
        "need",
        "like",
        "give",
        "tell",
        "show",
        "use",
        "using",
        "help",
        "find",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "one",
        "any",
        "anything",
        "something",
        "thing",
        "things",
        "know",
        "way",
        "make",
    ]
)


def normalise(text: str) -> str:
    """NFKC-normalise and case-fold; the one canonical form every comparison works on."""
    return unicodedata.normalize("NFKC", text).casefold()


def humanise_identifier(text: str) -> str:
    """Turn ``MixerBox_Translate_AI`` or ``WeatherTool`` into words a reader or a model understands."""
    text = _SEPARATOR_RE.sub(" ", text)
    return _CAMEL_RE.sub(" ", text)


def _stem(word: str) -> str:
    """Strip the commonest English inflections; conservative so that short words survive intact."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4 and not word.endswith("eed"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_spaced_script(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(_SPACED_SCRIPTS)


def _bigrams(run: str) -> Iterable[str]:
    if len(run) == 1:
        yield run
        return
    for i in range(len(run) - 1):
        yield run[i : i + 2]


def lexical_tokens(text: str) -> list[str]:
    """Tokens for BM25 (see the module docstring); the same function indexes agents and reads queries."""
    folded = normalise(humanise_identifier(text))
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(folded):
        kind = match.lastgroup
        run = match.group()
        if kind == "latin":
            if run not in STOP_WORDS:
                tokens.append(_stem(run))
        elif kind == "hangul":
            tokens.extend(_bigrams(run))
        elif _is_spaced_script(run[0]):
            tokens.append(run)
        else:
            tokens.extend(_bigrams(run))
    return tokens


def latin_letter_share(text: str) -> float:
    """Share of the letters in ``text`` that are Latin script (0.0 when there are no letters at all).

    Used to judge how much an English-only embedding model can be trusted with a request: for a
    Korean sentence it sees only jamo fragments, and its similarity scores are then noise.
    """
    latin = letters = 0
    for char in unicodedata.normalize("NFKC", text):
        if not char.isalpha():
            continue
        letters += 1
        if char.isascii() or "\u00c0" <= char <= "\u024f":
            latin += 1
    return latin / letters if letters else 0.0
