"""Okapi BM25 over a small catalogue, built once per catalogue and scored with NumPy.

The index is an inverted list per term holding the ids of the documents that contain it and their
precomputed BM25 weights (idf × saturated, length-normalised term frequency). Scoring a query is then one
fancy-indexed add per query term, so a 10,000-agent catalogue scores in well under a millisecond, and the
memory is proportional to the number of postings, not to documents × vocabulary.

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
    """Immutable BM25 index over ``documents`` (each a list of tokens from ``lexical_tokens``)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.fromiter((len(doc) for doc in documents), dtype=np.float32, count=self.size)
        average = float(lengths.mean()) if self.size and lengths.sum() > 0 else 1.0
        norms = k1 * (1.0 - b + b * lengths / average)

        doc_ids: dict[str, list[int]] = {}
        freqs: dict[str, list[int]] = {}
        for index, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                doc_ids.setdefault(term, []).append(index)
                freqs.setdefault(term, []).append(count)

        self._k1 = k1
        self._idf: dict[str, float] = {}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, ids in doc_ids.items():
            id_array = np.asarray(ids, dtype=np.int32)
            tf = np.asarray(freqs[term], dtype=np.float32)
            idf = self._idf_of(len(ids))
            weights = (idf * tf * (k1 + 1.0) / (tf + norms[id_array])).astype(np.float32)
            self._idf[term] = idf
            self._postings[term] = (id_array, weights)

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
        unseen = self._idf_of(0)
        return sum(
            count * self._idf.get(term, unseen) * (self._k1 + 1.0)
            for term, count in Counter(query_tokens).items()
        )

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros where nothing matches)."""
        result = np.zeros(self.size, dtype=np.float32)
        for term, count in Counter(query_tokens).items():
            posting = self._postings.get(term)
            if posting is not None:
                ids, weights = posting
                # ids are unique within one posting list, so plain fancy-indexed += is exact
                result[ids] += count * weights
        return result
