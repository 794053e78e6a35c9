"""The library search benchmark's tooling does not rot: a few products seed with their search
documents, every kind of query finds them, and the table is written. Speed is measured by
`make bench` (bench/search.py), never here."""

from __future__ import annotations

import pytest

from bench import search as bench
from halqa.library.models import Product, Status
from halqa.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def test_the_search_bench_seeds_products_and_measures_every_kind_of_query(capsys):
    bench.seed(80)
    assert bench.seeded(80)
    assert Product.objects.filter(status=Status.PUBLISHED).count() == 80
    assert set(SearchDocument.objects.values_list("language", flat=True)) == {"ar", "fa", "ru", "en"}
    results = bench.measure(1)
    assert set(results) == set(bench.QUERIES)
    for kind in ("common", "Arabic forms", "Persian forms", "Russian forms"):
        assert all(found > 0 for found in results[kind]["found"]), (kind, results[kind]["found"])
    table = bench.section("sqlite", 80, results, "0.00")
    assert "| common |" in table and "Slowest kind" in table
