"""`python -m bench.search`: the library's full-text search over 100,000 products, p50 and p95.

    python -m bench.search [--documents 100000] [--repeat 15] [--reseed] [--no-readme]

SQLite by default (var/bench/search.sqlite3); DATABASE_URL=postgres://…/halqa_bench runs on
PostgreSQL (the database named there with "_search" appended, created when missing). The database
is migrated and seeded once (kept between runs; re-seeded when the number of documents changes or
with --reseed): published products in the four languages, a quarter each, of a title, a summary and
a body of about 120 words drawn from each language's vocabulary with Zipf's law (so the commonest
word is in nearly every product of its language: a quarter of all), a rare word in about one in a
thousand, and their search documents as the analyzer makes them (the rows are bulk-inserted; the
database's own index is kept by its triggers or generated column, as in service).

Each query runs the library page's search as a signed-in teacher sees it (`queries.library`: the
visible published products, the candidates ranked by the database, ranked again in Python, the first
page of 20 with its snippets) `--repeat` times after one warm-up; p50 and p95 per kind of query:
common words, rare words, several words, and Arabic, Persian and Russian words in other forms than
the text's (plural, prefix, diacritics, cases). The figures go to stdout and, unless --no-readme, to
bench/README.md between the `<!-- bench:search:<database>:… -->` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
README = ROOT / "bench" / "README.md"
EMAIL = "bench.search@bench.halqa.test"
TARGET_P95_MS = 50


def _words(text: str) -> list[str]:
    return text.split()


# Each language's words, commonest first (Zipf: the n-th is drawn in proportion to 1/n).
VOCABULARY = {
    "en": _words(
        "students teacher lesson class questions minutes group homework answers board reading task "
        "exercise grade parents school work time practice test feedback problem project notes method "
        "example discussion attention behaviour plan result marks subject skills week topic start end "
        "draft review pairs writing listening speaking numbers fractions geometry history science"
    ),
    "ru": _words(
        "ученики учитель урок класс вопросы минуты группа задание ответы доска чтение задача "
        "упражнение оценка родители школа работа время практика контрольная отзыв проблема проект записи "
        "метод пример обсуждение внимание поведение план результат отметки предмет навыки неделя тема "
        "начало конец черновик перемена пары письмо слушание дроби геометрия история"
    ),
    "ar": _words(
        "الطلاب المعلم الدرس الصف الأسئلة الدقائق المجموعة الواجب الإجابات السبورة القراءة المهمة "
        "التمرين الدرجة الأهل المدرسة العمل الوقت الممارسة الاختبار التغذية المشكلة المشروع الملاحظات "
        "الطريقة المثال النقاش الانتباه السلوك الخطة النتيجة العلامات المادة المهارات الأسبوع الموضوع "
        "البداية النهاية المسودة المراجعة الأزواج الكتابة الاستماع الكسور الهندسة التاريخ"
    ),
    "fa": _words(
        "دانش‌آموزان معلم درس کلاس پرسش‌ها دقیقه گروه تکلیف پاسخ‌ها تخته خواندن کار تمرین نمره "
        "والدین مدرسه فعالیت زمان آزمون بازخورد مسئله پروژه یادداشت روش مثال گفتگو توجه رفتار برنامه "
        "نتیجه درس‌ها مهارت هفته موضوع آغاز پایان پیش‌نویس بازبینی نوشتن شنیدن کسرها هندسه تاریخ "
        "خانه منزلی ارزشیابی"
    ),
}
RARE = {"en": "photosynthesis", "ru": "фотосинтез", "ar": "البناء_الضوئي", "fa": "فتوسنتز"}
RARE_SHARE = 0.001

QUERIES = {
    "common": ["students", "ученики", "الطلاب", "دانش‌آموزان"],
    "rare": ["photosynthesis", "фотосинтез", "البناء", "فتوسنتز"],
    "several words": ["group homework feedback", "задание группа отзыв", "الواجب المجموعة الخطة", "تکلیف گروه بازخورد"],
    "Arabic forms": ["المعلمين", "والطلاب", "الدَّرْس", "بالمجموعات"],
    "Persian forms": ["معلمان", "کلاس‌ها", "تمرین‌ها", "نمره‌ها"],
    "Russian forms": ["учителями", "уроках", "оценкой", "группами"],
}


def database_url(base: str | None) -> str:
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{VAR / 'search.sqlite3'}"
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "halqa_bench"
    return urlunsplit(parts._replace(path=f"/{name}_search"))


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "halqa.settings")
    os.environ.setdefault("SECRET_KEY", "bench-search")
    os.environ["DEBUG"] = "0"
    if url.startswith("sqlite"):
        VAR.mkdir(parents=True, exist_ok=True)
    else:
        ensure_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- seeding --------------------------------------------------------------------------------------


def _zipf(words: list[str], rng: random.Random, k: int) -> list[str]:
    return rng.choices(words, weights=[1 / (n + 1) for n in range(len(words))], k=k)


def _text(language: str, rng: random.Random, words: int) -> str:
    chosen = _zipf(VOCABULARY[language], rng, words)
    if rng.random() < RARE_SHARE * words / 140:
        chosen[rng.randrange(len(chosen))] = RARE[language].replace("_", " ")
    sentences, start = [], 0
    while start < len(chosen):
        end = start + rng.randint(8, 14)
        sentences.append(" ".join(chosen[start:end]) + ".")
        start = end
    return " ".join(sentences)


def seeded(documents: int) -> bool:
    from halqa.library.models import Product
    from halqa.search.models import SearchDocument

    return (
        Product.objects.filter(title__startswith="bench ").count() == documents
        and SearchDocument.objects.filter(kind="product").count() == documents
    )


def seed(documents: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from halqa.accounts.models import User
    from halqa.library.models import Kind, Product, Status
    from halqa.search import analyzer
    from halqa.search.models import SearchDocument

    rng = random.Random(2026)
    SearchDocument.objects.all().delete()
    Product.objects.all().delete()
    User.objects.get_or_create(email=EMAIL, defaults={"display_name": "Bench Search"})
    languages = ["ar", "fa", "ru", "en"]
    kinds = list(Kind.values)
    now = timezone.now()
    batch = 5_000
    for first in range(0, documents, batch):
        products, texts = [], []
        for n in range(first, min(first + batch, documents)):
            language = languages[n % 4]
            title = f"bench {n} " + " ".join(_zipf(VOCABULARY[language], rng, 5))
            summary = _text(language, rng, 20)
            body = _text(language, rng, 120)
            products.append(
                Product(
                    kind=kinds[n % len(kinds)],
                    title=title,
                    summary=summary,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    language=language,
                    status=Status.PUBLISHED,
                    published_at=now - dt.timedelta(minutes=documents - n),
                    created_at=now - dt.timedelta(minutes=documents - n),
                )
            )
            texts.append((language, title, f"{summary}\n\n{body}"))
        with transaction.atomic():
            made = Product.objects.bulk_create(products)
            SearchDocument.objects.bulk_create(
                SearchDocument(
                    kind="product",
                    object_id=product.pk,
                    language=language,
                    title=title,
                    text=text,
                    title_tokens=" ".join(analyzer.analyze(title, language)),
                    body_tokens=" ".join(analyzer.analyze(text, language)),
                )
                for product, (language, title, text) in zip(made, texts, strict=True)
            )
        print(f"  seeded {min(first + batch, documents):,} of {documents:,}", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE search_searchdocument")
            cursor.execute("ANALYZE library_product")


# --- measuring ------------------------------------------------------------------------------------


def library_page(user, query: str) -> int:
    """What the library page does for a search, short of the template: the first page of 20."""
    from django.core.paginator import Paginator

    from halqa.library import queries

    found, snippets = queries.library(user, q=query)
    page = Paginator(found, 20).get_page(1)
    shown = 0
    for product in page.object_list:
        hit = snippets.get(product.pk)
        shown += len(str(hit.snippet)) + len(str(hit.title)) if hit else 0
    return len(page.object_list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def server_cpu():
    """A function giving the CPU time (ms) of this connection's PostgreSQL backend so far, when the
    server runs on this machine (else None); SQLite works inside this process, counted there."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / tick

    return read


def measure(repeat: int) -> dict[str, dict]:
    """Wall time, and CPU time (this process's, plus the PostgreSQL backend's): on two shared cores
    the wall time mostly measures the others' load; the CPU time is what a query costs."""
    from halqa.accounts.models import User

    user = User.objects.get(email=EMAIL)
    server = server_cpu()
    results = {}
    for kind, queries in QUERIES.items():
        times, cpus, found = [], [], []
        for query in queries:
            found.append(library_page(user, query))  # warm-up (and the count shown)
            for _ in range(repeat):
                before = server() if server else 0.0
                cpu, start = time.process_time(), time.perf_counter()
                library_page(user, query)
                times.append((time.perf_counter() - start) * 1000)
                cpus.append((time.process_time() - cpu) * 1000 + ((server() - before) if server else 0.0))
        results[kind] = {
            "p50": statistics.median(times),
            "p95": percentile(times, 0.95),
            "cpu50": statistics.median(cpus),
            "cpu95": percentile(cpus, 0.95),
            "found": found,
            "queries": queries,
        }
        row = results[kind]
        print(
            f"  {kind:<15} p50 {row['p50']:6.1f} ms   p95 {row['p95']:6.1f} ms   "
            f"CPU p50 {row['cpu50']:5.1f} ms   p95 {row['cpu95']:5.1f} ms   {found}",
            flush=True,
        )
    return results


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def section(vendor: str, documents: int, results: dict, load: str) -> str:
    everything = [r["p95"] for r in results.values()]
    lines = [
        f"### Library search, {'SQLite' if vendor == 'sqlite' else 'PostgreSQL'}",
        "",
        f"{dt.date.today().isoformat()}, {documents:,} published products, {platform.python_version()}, "
        f"load average at the start {load}; target p95 < {TARGET_P95_MS} ms.",
        "",
        "| queries | examples | p50 | p95 | CPU p50 | CPU p95 | shown | p95 < target |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for kind, row in results.items():
        mark = "✓" if row["p95"] < TARGET_P95_MS else "✗"
        examples = ", ".join(row["queries"])
        found = " / ".join(str(n) for n in row["found"])
        lines.append(
            f"| {kind} | {examples} | {row['p50']:.0f} ms | {row['p95']:.0f} ms | {row['cpu50']:.0f} ms "
            f"| {row['cpu95']:.0f} ms | {found} | {mark} |"
        )
    lines.append("")
    lines.append(
        f"Slowest kind: p95 {max(everything):.0f} ms (CPU {max(r['cpu95'] for r in results.values()):.0f} ms). "
        "CPU is this process's and, on PostgreSQL, its server backend's (10 ms ticks)."
    )
    lines.append("")
    return "\n".join(lines)


def write_readme(vendor: str, text: str) -> None:
    start, end = f"<!-- bench:search:{vendor}:start -->", f"<!-- bench:search:{vendor}:end -->"
    readme = README.read_text()
    block = f"{start}\n{text}{end}"
    if start in readme and end in readme:
        readme = readme[: readme.index(start)] + block + readme[readme.index(end) + len(end) :]
    else:
        readme = readme.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=int(os.environ.get("BENCH_SEARCH_DOCUMENTS", "100000")))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_SEARCH_REPEAT", "15")))
    parser.add_argument("--reseed", action="store_true", default=os.environ.get("BENCH_RESEED") == "1")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    url = database_url(os.environ.get("DATABASE_URL"))
    print(f"Library search on {url.split('@')[-1]}", flush=True)
    setup(url)
    from django.db import connection

    if args.reseed or not seeded(args.documents):
        print(f"Seeding {args.documents:,} products…", flush=True)
        start = time.perf_counter()
        seed(args.documents)
        print(f"  in {time.perf_counter() - start:.0f} s", flush=True)
    load = load_average()
    results = measure(args.repeat)
    text = section(connection.vendor, args.documents, results, load)
    print(text)
    if not args.no_readme:
        write_readme(connection.vendor, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
