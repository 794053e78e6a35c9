"""What every step of the benchmark agrees on: the pages, the databases, the environment.

Nothing here imports Django: the driver (bench/run.py) starts the seeding, the servers and wrk as
separate processes, each with the environment made here, and never touches a database itself.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
BENCH_EMAIL = "bench.teacher@bench.halqa.test"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str  # may name {community} and {case}
    auth: str  # "session" (a signed-in browser) or "token" (an API client)
    user: str = "teacher"  # whose: the benchmark teacher, or the coordinator of the first school


PAGES = [
    Page("home", "Home", "/", "session"),
    Page("communities", "Communities list", "/communities/", "session"),
    Page("community", "Community page", "/communities/{community}/", "session"),
    Page("members", "Members", "/communities/{community}/members/", "session"),
    Page("people", "People directory", "/people/", "session"),
    Page("api_list", "API: communities", "/api/v1/communities/", "token"),
    Page("api_detail", "API: one community", "/api/v1/communities/{community}/", "token"),
    # Cases (issue 11): the coordinator of the benchmark user's school, among 100,000 cases at 100×.
    Page("queue", "Case queue", "/cases/", "session", user="coordinator"),
    Page("board", "Case board", "/cases/board/", "session", user="coordinator"),
    Page("case", "Case page", "/cases/{case}/", "session", user="coordinator"),
]


def database_url(base_url: str | None, factor: int) -> str:
    """The benchmark's own database for a scale factor: never the development database.

    SQLite (no DATABASE_URL): var/bench/halqa-<n>x.sqlite3. PostgreSQL: the database named in
    DATABASE_URL with "_<n>x" appended (halqa_bench → halqa_bench_100x), created when missing.
    """
    if not base_url or base_url.startswith("sqlite"):
        return f"sqlite:///{VAR / f'halqa-{factor}x.sqlite3'}"
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "halqa_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{factor}x"))


def is_bench_database(url: str) -> bool:
    """Whether `url` is one `database_url` makes: the seeding wipes it, so nothing else may pass."""
    if vendor(url) == "sqlite":
        return url.startswith(f"sqlite:///{VAR}/")
    return re.search(r"_[0-9]+x$", urlsplit(url).path) is not None


def vendor(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def django_env(url: str, secret_key: str, *, settings: str = "halqa.settings") -> dict[str, str]:
    """Production-like settings without TLS: DEBUG off, persistent connections, no 2FA redirect.

    HALQA_ENV stays "development" so static files are served without a collectstatic manifest;
    everything a request pays for (middleware, sessions, templates, DEBUG off) is as in production.
    The per-person API read limit is raised far above what one benchmark user sends, so the API is
    measured with its throttle counting, not answering 429. Every process of one run gets the same
    `secret_key` (sessions and their auth hash are signed with it).
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        HALQA_REQUIRE_2FA="0",
        API_READ_RATE="1000000000/min",
        CONN_MAX_AGE="60",
        EMAIL_URL="memory://",
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="ignore:No directory at",  # WhiteNoise: no collectstatic outside production
    )
    return env


def new_secret_key() -> str:
    return "bench-" + secrets.token_hex(32)
