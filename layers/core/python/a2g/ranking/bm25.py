"""Okapi BM25 over a small catalogue, scored with NumPy and updated in place.

The index keeps, per term, the rows that contain it and their term frequencies; the BM25 weights (idf ×
saturated, length-normalised tf) are computed when a term is scored, from the current document count and
average length, so adding, replacing or removing one document touches only that document's terms and the
scores stay exactly those of an index built from scratch over the same documents. A term's posting arrays
are cached until one of its documents changes, so scoring a query is a few vector operations per term:
well under a millisecond at 10,000 agents, memory proportional to the postings.

Lucene's idf variant ``log(1 + (N - df + 0.5) / (df + 0.5))`` is used because it never goes negative: with
a few hundred agents, a term found in more than half of them would otherwise subtract from a match.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

__all__ = ["BM25Index"]


class BM25Index:
    """BM25 index over rows ``0..size-1`` (each a list of tokens from ``lexical_tokens``)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._k1 = k1
        self._b = b
        self._terms: list[Counter[str]] = []
        self._lengths = np.zeros(max(16, len(documents)), dtype=np.float32)
        self._total_length = 0
        self._postings: dict[str, dict[int, int]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for doc in documents:
            self.append(doc)

    @property
    def size(self) -> int:
        return len(self._terms)

    # ------------------------------------------------------------------ updates
    def append(self, document: Sequence[str]) -> int:
        """Add a document as the next row; returns its row."""
        row = len(self._terms)
        if row >= len(self._lengths):
            grown = np.zeros(len(self._lengths) * 2, dtype=np.float32)
            grown[:row] = self._lengths[:row]
            self._lengths = grown
        self._terms.append(Counter())
        self._set(row, document)
        return row

    def replace(self, row: int, document: Sequence[str]) -> None:
        """Replace the document at ``row``."""
        self._clear(row)
        self._set(row, document)

    def remove(self, row: int) -> None:
        """Remove the document at ``row``; the last row moves into its place (as a catalogue's rows do)."""
        last = len(self._terms) - 1
        self._clear(row)
        if row != last:
            moved = self._terms[last]
            for term in moved:
                posting = self._postings[term]
                posting[row] = posting.pop(last)
                self._arrays.pop(term, None)
            self._terms[row] = moved
            self._lengths[row] = self._lengths[last]
        self._terms.pop()
        self._lengths[last] = 0.0

    def _set(self, row: int, document: Sequence[str]) -> None:
        counts = Counter(document)
        self._terms[row] = counts
        self._lengths[row] = float(len(document))
        self._total_length += len(document)
        for term, count in counts.items():
            self._postings.setdefault(term, {})[row] = count
            self._arrays.pop(term, None)

    def _clear(self, row: int) -> None:
        counts = self._terms[row]
        self._total_length -= int(self._lengths[row])
        for term in counts:
            posting = self._postings[term]
            del posting[row]
            if not posting:
                del self._postings[term]
            self._arrays.pop(term, None)
        self._terms[row] = Counter()
        self._lengths[row] = 0.0

    # ------------------------------------------------------------------ scoring
    def _idf_of(self, df: int) -> float:
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def __contains__(self, term: str) -> bool:
        return term in self._postings

    def ceiling(self, query_tokens: Sequence[str]) -> float:
        """An upper bound of any document's score for the query: every term matched, tf saturated.

        Dividing by it gives "the share of the query's evidence a document carries": a document that
        matches one word of a four-word request stays well below 1, which dividing by the best score
        would hide. Terms found in no document count with the idf of such a term.
        """
        return sum(
            count * self._idf_of(len(self._postings.get(term, ()))) * (self._k1 + 1.0)
            for term, count in Counter(query_tokens).items()
        )

    def _posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        cached = self._arrays.get(term)
        if cached is None:
            posting = self._postings.get(term)
            if not posting:
                return None
            ids = np.fromiter(posting.keys(), dtype=np.int32, count=len(posting))
            tf = np.fromiter(posting.values(), dtype=np.float32, count=len(posting))
            cached = self._arrays[term] = (ids, tf)
        return cached

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros where nothing matches)."""
        n = self.size
        result = np.zeros(n, dtype=np.float32)
        if n == 0:
            return result
        average = self._total_length / n if self._total_length > 0 else 1.0
        k1, b = self._k1, self._b
        for term, count in Counter(query_tokens).items():
            posting = self._posting(term)
            if posting is None:
                continue
            ids, tf = posting
            norms = k1 * (1.0 - b + b * self._lengths[ids] / np.float32(average))
            weights = (self._idf_of(len(ids)) * tf * (k1 + 1.0) / (tf + norms)).astype(np.float32)
            # ids are unique within one posting list, so plain fancy-indexed += is exact
            result[ids] += count * weights
        return result
