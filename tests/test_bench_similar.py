"""The similar-cases benchmark's arithmetic (bench/similar.py): recall@10 across and within
languages and MRR as docs/similar.md defines them, and the lookup and synthetic vectors it times.
No model and no 100,000 rows here: only that the figures mean what the README says."""

import numpy as np
import pytest

from bench import similar

STORIES = [
    {"kind": "noise", "language": "en", "text": "a"},
    {"kind": "noise", "language": "en", "text": "b"},
    {"kind": "noise", "language": "ru", "text": "c"},
    {"kind": "parents", "language": "en", "text": "d"},
    {"kind": "parents", "language": "ru", "text": "e"},
]


def test_recall_and_mrr_count_what_the_readme_says():
    rankings = [
        [2, 1, 3, 4],  # both siblings found; the first hit (rank 1) is of the same kind
        [3, 4, 0, 2],  # found at ranks 3 and 4: still within ten; first hit at rank 3
        [3, 0, 1, 4],  # cross: both (other language) found; no same-language sibling exists
        [0, 1, 2, 4],  # its only sibling, in Russian, at rank 4
        [0, 1, 2, 3],
    ]
    figures = similar.quality(STORIES, rankings)
    assert figures["recall_cross"] == 1.0
    assert figures["recall_same"] == 1.0  # stories 0 and 1 find their English sibling
    assert figures["mrr"] == pytest.approx(np.mean([1, 1 / 3, 1 / 2, 1 / 4, 1 / 4]), abs=1e-3)
    assert figures["found_cross"] == 1.0 and figures["found_same"] == 1.0
    # Story 1 misses its Russian sibling; story 2 finds one of its two English ones (recall 0.5, found).
    half = similar.quality(STORIES, [[1, 2], [0], [0], [0, 1, 2, 4], [3]])
    assert half["recall_cross"] == pytest.approx((1 + 0 + 0.5 + 1 + 1) / 5, abs=1e-3)
    assert half["found_cross"] == pytest.approx((1 + 0 + 1 + 1 + 1) / 5, abs=1e-3)
    assert similar.quality(STORIES, [[] for _ in STORIES]) == {
        "recall_cross": 0.0,
        "recall_same": 0.0,
        "pool_cross": 0.0,
        "pool_same": 0.0,
        "found_cross": 0.0,
        "found_same": 0.0,
        "mrr": 0.0,
    }


def test_per_language_recall_reads_each_language_apart():
    """Eleven English stories ahead of the Russian sibling push it out of the top ten of the one
    ranking (recall across 0), but among the Russian stories alone it comes first (per language 1)."""
    stories = [{"kind": "parents", "language": "en", "text": "q"}]
    stories += [{"kind": f"noise-{n}", "language": "en", "text": str(n)} for n in range(11)]
    stories += [{"kind": "parents", "language": "ru", "text": "r"}, {"kind": "noise-0", "language": "ru", "text": "s"}]
    rankings = [[*range(1, 12), 13, 12]] + [[] for _ in stories[1:]]
    figures = similar.quality(stories, rankings)
    query_only = similar.quality(stories[:1] + stories[12:13], [[1], [0]])
    assert query_only["pool_cross"] == 1.0
    assert figures["recall_cross"] < 1.0  # story 0 missed its sibling in the one ranking
    # Story 0 finds it among the Russian stories (second there, within ten); the three others with a
    # sibling in another language (1 and 13 of noise-0, 12 itself) rank nothing.
    assert figures["pool_cross"] == pytest.approx((1 + 0 + 0 + 0) / 4, abs=1e-3)


def test_synthetic_vectors_are_unit_length_in_the_languages_given():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((8, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    extra, languages = similar.synthetic(real, ["en", "ru"] * 4, 50)
    assert extra.shape == (50, 384) and set(languages) == {"en", "ru"}
    assert np.allclose(np.linalg.norm(extra.astype(np.float32), axis=1), 1, atol=0.01)
    timing = similar.lookups(real, ["en", "ru"] * 4, stored=100, queries=5)
    assert timing["stored"] == 100 and timing["p95_ms"] >= timing["p50_ms"] >= 0
