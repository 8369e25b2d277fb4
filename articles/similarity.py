"""
Near-duplicate titles: Jaccard similarity of word shingles, found at scale with MinHash.

A title becomes a set of shingles (its words, casefolded and NFKC-normalised,
without the few words every headline has); two titles are near-duplicates
when the Jaccard similarity of their sets reaches the threshold
(NEWSROOM_CLUSTERS["TITLE_THRESHOLD"]). Comparing every pair is quadratic, so
each title also gets MinHash band keys (locality-sensitive hashing): two
titles share a key with a probability that grows steeply with their
similarity, and only stories that share one are compared exactly.
docs/clusters.md gives the figures on the labelled set.

Pure: no ORM, no settings.
"""

import functools
import hashlib
import re
import unicodedata

# Words that say nothing about the event (and the "s" of "Oslo's"); kept short, since in a headline most words count.
STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or our out that the this to up with your you"
    " now new how why what will can s".split()
)
_WORD = re.compile(r"\w+")
# MinHash: BANDS x ROWS hash functions. With 8 bands of 2 rows, titles of
# similarity 0.55 (the threshold) become candidates with probability
# 1 - (1 - 0.55^2)^8 = 0.94, of 0.7 with 0.996; the exact Jaccard then
# decides. More bands find a few more borderline pairs for more rows to write.
BANDS = 8
ROWS = 2
_PRIME = (1 << 61) - 1
# Titles whose shingles, names and band keys are kept: a few batches' worth of an import
# (its stories and the stored ones they are compared with). Not more: each title
# costs about a kilobyte, and a larger cache grew the import's memory with its files.
TITLES_REMEMBERED = 1024
_MAX_KEY = (1 << 63) - 1


def _seeded(index, salt):
    digest = hashlib.blake2b(f"{salt}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % _PRIME or 1


# (a, b) of each hash function h(x) = (a * x + b) mod p: fixed, so keys are stable across runs.
_PERMUTATIONS = [(_seeded(i, "a"), _seeded(i, "b")) for i in range(BANDS * ROWS)]


@functools.lru_cache(maxsize=TITLES_REMEMBERED)
def title_shingles(title: str) -> frozenset:
    """The title's words, casefolded, without stop words (articles.similarity.STOP_WORDS)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", title or "").casefold())
    return frozenset(word for word in words if word not in STOP_WORDS)


@functools.lru_cache(maxsize=TITLES_REMEMBERED)
def title_names(title: str) -> frozenset:
    """The capitalised words of a title after its first (names, mostly), casefolded, stop words left out."""
    words = _WORD.findall(unicodedata.normalize("NFKC", title or ""))[1:]
    return frozenset(w.casefold() for w in words if w[:1].isupper() and w.casefold() not in STOP_WORDS)


def near_duplicate_titles(a: str, b: str, threshold: float) -> bool:
    """Similar enough, and not one headline formula about two different names.

    "Inside Oslo's plan for a data breach" and "Inside Minneapolis's plan for a
    data breach" share most words but no name: two events, not one.
    """
    names_a, names_b = title_names(a), title_names(b)
    if names_a and names_b and not names_a & names_b:
        return False
    return jaccard(title_shingles(a), title_shingles(b)) >= threshold


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def title_similarity(a: str, b: str) -> float:
    return jaccard(title_shingles(a), title_shingles(b))


def _shingle_hash(shingle):
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


@functools.lru_cache(maxsize=TITLES_REMEMBERED)
def band_keys(title: str) -> tuple[int, ...]:
    """The title's MinHash band keys (BANDS of them; none for a title without words), each a signed 63-bit int."""
    hashes = [_shingle_hash(shingle) for shingle in title_shingles(title)]
    if not hashes:
        return ()
    signature = [min((a * h + b) % _PRIME for h in hashes) for a, b in _PERMUTATIONS]
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr((band, rows)).encode(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") & _MAX_KEY)
    return tuple(keys)
