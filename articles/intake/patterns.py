"""
The title/excerpt pattern of an intake rule: words, "phrases", word* prefixes, -exclusions and OR.

Never a regular expression: an editor's regex can take exponential time
((a+)+$ on a long title), and a pattern here runs on every imported story. A
pattern is compiled into word terms; matching tokenizes the text once with a
fixed expression (\\w+, linear) and looks each term up, so the time is linear
in the text whatever the pattern (it is capped at MAX_PATTERN_CHARS and
MAX_TERMS). Case is ignored; punctuation separates words, as in search.
Pure: no ORM, no settings.
"""

import re
from dataclasses import dataclass

MAX_PATTERN_CHARS = 500
MAX_TERMS = 20
# Regular-expression syntax: refused with a message rather than read as words,
# so that an editor who typed a regex learns it is not one.
REGEX_CHARACTERS = frozenset("()[]{}^$|\\")
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


class PatternError(ValueError):
    """A pattern that cannot be used; the message says why, for the form."""


@dataclass(frozen=True)
class Term:
    words: tuple  # one word, or a phrase's words in order
    prefix: bool = False  # the last word is a prefix (word*)

    def found_in(self, words, word_set):
        if len(self.words) == 1 and not self.prefix:
            return self.words[0] in word_set
        head, last = self.words[:-1], self.words[-1]
        if not all(word in word_set for word in head):
            return False
        if not head:
            return any(word.startswith(last) for word in words)
        # Knuth-Morris-Pratt over the phrase's words but the last: linear in the text.
        failure = _failure(head)
        matched = 0
        for index, word in enumerate(words):
            while matched and word != head[matched]:
                matched = failure[matched - 1]
            if word == head[matched]:
                matched += 1
            if matched == len(head):
                after = index + 1
                if after < len(words) and self._last_matches(words[after]):
                    return True
                matched = failure[matched - 1]
        return False

    def _last_matches(self, word):
        return word.startswith(self.words[-1]) if self.prefix else word == self.words[-1]


def _failure(words):
    """KMP's table: for each prefix of `words`, the length of its longest proper border."""
    table, border = [0] * len(words), 0
    for index in range(1, len(words)):
        while border and words[index] != words[border]:
            border = table[border - 1]
        if words[index] == words[border]:
            border += 1
        table[index] = border
    return table


@dataclass(frozen=True)
class Alternative:
    """All of `required` and none of `excluded`."""

    required: tuple
    excluded: tuple


@dataclass(frozen=True)
class Pattern:
    text: str
    alternatives: tuple

    def matches(self, *texts) -> bool:
        """Whether any of `texts` (a title, an excerpt) has what an alternative asks for, each term in one text."""
        fields = [_words(text) for text in texts]
        return any(self._alternative_matches(alternative, fields) for alternative in self.alternatives)

    @staticmethod
    def _alternative_matches(alternative, fields):
        def found(term):
            return any(term.found_in(words, word_set) for words, word_set in fields)

        return all(found(term) for term in alternative.required) and not any(
            found(term) for term in alternative.excluded
        )

    def substrings(self):
        """Per alternative, strings every match contains (case aside): what a database can narrow candidates by.

        ASCII only: databases fold the case of other letters differently
        (SQLite's LIKE not at all), and a narrowing must never lose a match.
        """
        return [
            [word for term in alternative.required for word in term.words if word.isascii()]
            for alternative in self.alternatives
        ]


def _words(text):
    words = _WORD.findall((text or "").lower())
    return words, frozenset(words)


def compile_pattern(text: str) -> Pattern | None:
    """The Pattern of an editor's text; None for an empty one. PatternError says what is wrong."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_PATTERN_CHARS:
        raise PatternError(f"A pattern has at most {MAX_PATTERN_CHARS} characters (this one has {len(text)}).")
    found = sorted(REGEX_CHARACTERS & set(text))
    if found:
        raise PatternError(
            f'Regular expressions are not supported ({" ".join(found)}): write words, "phrases", word*,'
            " -exclusions and OR."
        )
    if text.count('"') % 2:
        raise PatternError('A phrase is not closed: every " needs its pair.')
    alternatives, required, excluded, count = [], [], [], 0
    for minus, phrase, bare in _TOKEN.findall(text):
        if bare == "OR":
            alternatives.append(_alternative(required, excluded))
            required, excluded = [], []
            continue
        negative = bool(minus) or (bare.startswith("-") and len(bare) > 1)
        if bare:
            phrase = bare[1:] if negative else bare
        term = _term(phrase)
        if term is None:
            continue
        count += 1
        if count > MAX_TERMS:
            raise PatternError(f"A pattern has at most {MAX_TERMS} words and phrases.")
        (excluded if negative else required).append(term)
    alternatives.append(_alternative(required, excluded))
    return Pattern(text, tuple(alternatives))


def _term(text):
    prefix = text.endswith("*")
    if "*" in text.rstrip("*"):
        raise PatternError(f"{text!r}: a * may only end a word (climat* finds climate and climatic).")
    words = tuple(_WORD.findall(text.lower()))
    return Term(words, prefix=prefix) if words else None


def _alternative(required, excluded):
    if not required:
        raise PatternError("Each side of an OR needs at least one word or phrase to find (not only -exclusions).")
    return Alternative(tuple(required), tuple(excluded))
