"""`python -m bench.similar`: similar cases across the four languages, measured (issue 14).

    python -m bench.similar [--stories bench/similar_eval/stories.json] [--stored 100000] [--no-readme]

* Quality, on the evaluation set (a JSON list of {"kind", "language", "text"}: several short stories
  of each kind of difficulty in each language, written by different hypothetical requesters). Each
  story is the query in turn, against all the others: recall@10 across languages (the share of the
  same kind's stories in the *other* languages found in the top 10), recall@10 within its language
  (the same kind's other stories in its own language), and the mean reciprocal rank of the first
  story of the same kind. For plain vectors, per-language centred vectors (the default matcher, its
  means shrunk toward the calibration prior as in the app), full-text alone, and the hybrid.
* Speed: the embedding time per story, and the lookup (the matcher's scan and top-k, as the app
  runs it) over --stored vectors: the evaluation vectors plus synthetic ones made like real ones
  (a language's mean plus noise of the spread the real vectors have), p50 and p95.
* Memory: the resident set of a fresh process with Django, the model and --stored vectors loaded
  (a web worker's share of similar cases).

The figures go to stdout and, unless --no-readme, into bench/README.md between the
`<!-- bench:similar -->` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STORIES = ROOT / "bench" / "similar_eval" / "stories.json"
FIXTURE = ROOT / "halqa" / "similar" / "tests" / "stories.json"
README = ROOT / "bench" / "README.md"
TOP = 10
LANGUAGES = ("ar", "fa", "ru", "en")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "halqa.settings")
    import django

    django.setup()


def load(path: Path) -> list[dict]:
    stories = json.loads(path.read_text())
    return [s for s in stories if s.get("text") and s.get("language") in LANGUAGES and s.get("kind")]


# --- rankings over the evaluation set --------------------------------------------------------------


def matrix_of(vectors: np.ndarray, languages: list[str], *, centred: bool = True):
    """A matcher matrix holding the stories (as the app holds the cases), its prior loaded."""
    from halqa.similar import embedding, matcher

    index = matcher.Matrix()
    if centred:
        for language, mean in matcher.priors(embedding.model_id()).items():
            index.prior[matcher.language_code(language)] = mean
    index.put([("case", i, language, vectors[i]) for i, language in enumerate(languages)])
    if not centred:  # plain cosine: no mean anywhere
        index.means[:] = 0
        index.dots[: index.n] = 0
    return index


def vector_rankings(index, vectors: np.ndarray, languages: list[str]) -> list[list[int]]:
    return [
        [s.object_id for s in index.top(vectors[i], languages[i], limit=200, exclude=[("case", i)])]
        for i in range(len(languages))
    ]


def text_rankings(stories: list[dict]) -> list[list[int]]:
    """Full-text search as the app asks it (any of the story's longest words, the search's ranking
    formula), over the stories in memory instead of a database."""
    from halqa.search import analyzer
    from halqa.search import services as search
    from halqa.similar import services

    documents = [
        SimpleNamespace(
            title_tokens="", body_tokens=" ".join(analyzer.analyze(s["text"], s["language"])), kind="case", object_id=i
        )
        for i, s in enumerate(stories)
    ]
    token_sets = [set(d.body_tokens.split()) for d in documents]
    rankings = []
    for i, story in enumerate(stories):
        groups = services.query_groups(story["text"], story["language"])
        found = [
            (search.score(d, groups), d)
            for j, d in enumerate(documents)
            if j != i and any(group & token_sets[j] for group in groups)
        ]
        found.sort(key=search._order)
        rankings.append([d.object_id for points, d in found if points > 0][:200])
    return rankings


def hybrid(vector: list[list[int]], text: list[list[int]]) -> list[list[int]]:
    """The app's fusion (its weights and k) of the two rankings."""
    from halqa.similar.services import TEXT_WEIGHT, fuse

    return [
        [pk for _kind, pk in fuse([("case", a) for a in v], [("case", b) for b in t], weights=(1.0, TEXT_WEIGHT))]
        for v, t in zip(vector, text, strict=True)
    ]


def quality(stories: list[dict], rankings: list[list[int]]) -> dict:
    """Recall@10 is the share of *all* the relevant stories in the top ten (12 in other languages
    for 10 places, so 0.83 at most); found@10 is the share of queries with at least one relevant
    story in the top ten ("someone has met this before" is shown at all)."""
    cross, same, reciprocal, found_cross, found_same = [], [], [], [], []
    pool_cross, pool_same = [], []
    for i, story in enumerate(stories):
        top = rankings[i][:TOP]
        relevant_cross = {
            j for j, s in enumerate(stories) if s["kind"] == story["kind"] and s["language"] != story["language"]
        }
        relevant_same = {
            j
            for j, s in enumerate(stories)
            if j != i and s["kind"] == story["kind"] and s["language"] == story["language"]
        }
        if relevant_cross:
            cross.append(len(relevant_cross & set(top)) / len(relevant_cross))
            found_cross.append(bool(relevant_cross & set(top)))
        if relevant_same:
            same.append(len(relevant_same & set(top)) / len(relevant_same))
            found_same.append(bool(relevant_same & set(top)))
        rank = next((r for r, j in enumerate(rankings[i]) if stories[j]["kind"] == story["kind"]), None)
        reciprocal.append(0.0 if rank is None else 1.0 / (rank + 1))
        # The same ranking read one language at a time, as cross-language retrieval is usually
        # measured: among the stories in language X only, how many of the kind's stories in X are
        # in the first ten (4 in another language, 3 in its own), so no language's stories take
        # another's places.
        for language in LANGUAGES:
            in_pool = [j for j in rankings[i] if stories[j]["language"] == language][:TOP]
            relevant = {
                j for j, s in enumerate(stories) if j != i and s["language"] == language and s["kind"] == story["kind"]
            }
            if relevant:
                share = len(relevant & set(in_pool)) / len(relevant)
                (pool_same if language == story["language"] else pool_cross).append(share)
    mean = lambda values: round(float(np.mean(values)), 3) if values else None  # noqa: E731
    return {
        "recall_cross": mean(cross),
        "recall_same": mean(same),
        "pool_cross": mean(pool_cross),
        "pool_same": mean(pool_same),
        "found_cross": mean(found_cross),
        "found_same": mean(found_same),
        "mrr": mean(reciprocal),
    }


# --- speed and memory --------------------------------------------------------------------------------


def synthetic(vectors: np.ndarray, languages: list[str], count: int, seed: int = 14) -> tuple[np.ndarray, list[str]]:
    """`count` vectors like the real ones: a language's mean plus Gaussian noise of the real spread."""
    rng = np.random.default_rng(seed)
    names = sorted(set(languages))
    out = np.empty((count, vectors.shape[1]), dtype=np.float16)
    langs = [names[i % len(names)] for i in range(count)]
    stats = {}
    for name in names:
        rows = vectors[[i for i, language in enumerate(languages) if language == name]]
        stats[name] = (rows.mean(axis=0), float(rows.std(axis=0).mean()))
    for start in range(0, count, 10_000):
        stop = min(start + 10_000, count)
        block = np.stack([stats[langs[i]][0] for i in range(start, stop)]).astype(np.float32)
        spread = np.array([stats[langs[i]][1] for i in range(start, stop)], dtype=np.float32)[:, None]
        block += rng.standard_normal(block.shape, dtype=np.float32) * spread
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out, langs


def lookups(vectors: np.ndarray, languages: list[str], stored: int, queries: int = 200) -> dict:
    from halqa.similar import matcher

    extra, extra_langs = synthetic(vectors, languages, max(0, stored - len(vectors)))
    index = matcher.Matrix()
    t = time.perf_counter()
    rows = [("case", i, languages[i], vectors[i]) for i in range(len(vectors))]
    rows += [("case", len(vectors) + i, extra_langs[i], extra[i]) for i in range(len(extra))]
    for start in range(0, len(rows), 10_000):
        index.put(rows[start : start + 10_000])
    load_seconds = time.perf_counter() - t
    timings, cpu = [], []
    for q in range(queries):
        i = q % len(vectors)
        t, c = time.perf_counter(), time.process_time()
        index.top(vectors[i], languages[i], limit=200)
        timings.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {
        "stored": index.n,
        "p50_ms": round(float(np.percentile(timings, 50)), 1),
        "p95_ms": round(float(np.percentile(timings, 95)), 1),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 1),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 1),
        "matrix_mb": round((index.data[: index.n].nbytes + index.scale[: index.n].nbytes) / 2**20, 1),
        "load_s": round(load_seconds, 1),
    }


RSS_PROBE = """
import os, sys, numpy as np
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "halqa.settings")
import django; django.setup()
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
base = rss()
from halqa.similar import embedding, matcher
vector = embedding.embed_one("A teacher's story about a noisy class.")
model = rss()
n = int(sys.argv[1]); rng = np.random.default_rng(1)
index = matcher.Matrix()
for start in range(0, n, 10_000):
    block = rng.standard_normal((min(10_000, n - start), 384), dtype=np.float32)
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    index.put([("case", start + i, "en", block[i]) for i in range(len(block))])
    del block
index.top(vector, "en")
print(round(base), round(model), round(rss()))
"""


def memory(stored: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(stored)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    django_mb, model_mb, total_mb = (int(x) for x in out[-3:])
    return {"django_mb": django_mb, "with_model_mb": model_mb, "with_matrix_mb": total_mb}


def embedded(stories: list[dict]) -> tuple[np.ndarray, float]:
    """The stories' vectors, one at a time as a save makes them, and the time per story; kept in
    var/bench/ (by the texts and the model) so a second run only times a sample of 32 again."""
    import hashlib

    from halqa.similar import embedding

    key = hashlib.sha256(json.dumps([embedding.model_id(), [s["text"] for s in stories]]).encode()).hexdigest()[:16]
    cache = ROOT / "var" / "bench" / f"similar-{key}.npz"
    embedding.embed(["warm-up"])
    sample = stories[:: max(1, len(stories) // 32)]
    times = []
    for story in sample:
        t = time.perf_counter()
        embedding.embed([story["text"]])
        times.append((time.perf_counter() - t) * 1000)
    per_story = {"p50_ms": round(float(np.percentile(times, 50)), 1), "min_ms": round(min(times), 1)}
    if cache.exists():
        return np.load(cache)["vectors"], per_story
    vectors = np.vstack([embedding.embed([s["text"]]) for s in stories])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, vectors=vectors)
    return vectors, per_story


# --- the report -----------------------------------------------------------------------------------------


def run(path: Path, stored: int) -> dict:
    setup_django()
    from halqa.similar import embedding

    stories = load(path)
    languages = [s["language"] for s in stories]
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    vectors, per_story = embedded(stories)
    vectors16 = vectors.astype(np.float16)
    plain = vector_rankings(matrix_of(vectors16, languages, centred=False), vectors16, languages)
    centred = vector_rankings(matrix_of(vectors16, languages), vectors16, languages)
    text = text_rankings(stories)
    results = {
        "stories": len(stories),
        "kinds": len({s["kind"] for s in stories}),
        "source": str(path.relative_to(ROOT)),
        "methods": {
            "plain vectors": quality(stories, plain),
            "centred vectors": quality(stories, centred),
            "full-text only": quality(stories, text),
            "hybrid: centred + full-text (the app)": quality(stories, hybrid(centred, text)),
        },
        "embed_ms_per_story": per_story,
        "load_average": load_average,
        "lookup": lookups(vectors16, languages, stored),
        "memory": memory(stored),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}",
        "model": " ".join(embedding.model_id()),
    }
    return results


def render(results: dict) -> str:
    lines = [
        f"Evaluation set: `{results['source']}`, {results['stories']} stories, {results['kinds']} kinds; "
        f"model {results['model']}; {results['machine']}; {time.strftime('%Y-%m-%d')}, load average at the "
        f"start {results['load_average']}"
        + (" (other runs shared the cores)." if float(results["load_average"].split()[0]) >= 1 else "."),
        "",
        "| matcher | recall@10 across languages | recall@10 same language | per language: across | per language: same "
        "| found@10 across | found@10 same | MRR |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, q in results["methods"].items():
        lines.append(
            f"| {name} | {q['recall_cross']} | {q['recall_same']} | {q.get('pool_cross', '')} | {q.get('pool_same', '')} "
            f"| {q.get('found_cross', '')} | {q.get('found_same', '')} | {q['mrr']} |"
        )
    lines += [
        "",
        "recall@10: the share of all the same kind's stories found in the top ten of the one ranking (target 0.75"
        " each; 12 stories in other languages and 3 in its own compete for ten places, so the two cannot both"
        " reach 0.75); per language: the same ranking read one language at a time, the share of the kind's"
        " stories in that language among its first ten there (the usual cross-language retrieval measure);"
        " found@10: the share of stories for which at least one of the same kind is in the top ten.",
    ]
    lookup, memory_ = results["lookup"], results["memory"]
    lines += [
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| embedding one story, p50 (fastest) | {results['embed_ms_per_story']['p50_ms']} ms "
        f"({results['embed_ms_per_story']['min_ms']} ms) | |",
        f"| lookup over {lookup['stored']:,} stored vectors, p50 (CPU) | {lookup['p50_ms']} ms "
        f"({lookup['cpu_p50_ms']} ms) | |",
        f"| lookup over {lookup['stored']:,} stored vectors, p95 (CPU) | {lookup['p95_ms']} ms "
        f"({lookup['cpu_p95_ms']} ms) | < 50 ms |",
        f"| the matrix in memory (int8 and a scale per row) | {lookup['matrix_mb']} MB | |",
        f"| process RSS: Django | {memory_['django_mb']} MB | |",
        f"| process RSS: Django + model | {memory_['with_model_mb']} MB | |",
        f"| process RSS: Django + model + {lookup['stored']:,} vectors | {memory_['with_matrix_mb']} MB | < 250 MB |",
    ]
    return "\n".join(lines)


def write_readme(table: str) -> None:
    text = README.read_text()
    start, end = "<!-- bench:similar -->", "<!-- /bench:similar -->"
    block = f"{start}\n{table}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Similar cases (`python -m bench.similar`)\n\n" + block + "\n"
    README.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=Path, default=STORIES if STORIES.exists() else FIXTURE)
    parser.add_argument("--stored", type=int, default=int(os.environ.get("BENCH_SIMILAR_STORED", 100_000)))
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    options = parser.parse_args(argv)
    results = run(options.stories.resolve(), options.stored)
    table = render(results)
    print(table)
    if options.json:
        print(json.dumps(results, indent=2))
    if not options.no_readme:
        write_readme(table)


if __name__ == "__main__":
    main()
