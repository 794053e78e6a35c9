"""API throttling: per person for reads and (stricter) for writes, per client address for anonymous callers.

Rates come from settings.API_THROTTLE_RATES (env API_READ_RATE, API_WRITE_RATE, API_ANON_RATE; e.g.
"600/min"; empty turns a limit off), read at each request so a deployment or a test can change them.
A refused request gets 429 with `Retry-After` and a translated message (halqa.api.errors).

Each limit is a counter per fixed window (one key per caller and window, incremented), not DRF's
list of timestamps: one small number per caller, whatever the rate. With the database cache the
counter is a row of `core.RateWindow`, counted up in one query (`count_hit`); with Redis it is a
cache key (add, then incr). The client
address is the one every limit agrees on, behind the trusted proxies (halqa.core.net.client_ip).
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from halqa.core.net import client_ip

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "120/min" → (120, 60); None or "" → no limit."""
    if not rate:
        return None
    count, _slash, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[0].lower()]


def count_hit(key: str, timeout: int, cache_alias: str = "default") -> int:
    """One more request under `key`; how many there were in its window, this one included."""
    if settings.CACHES[cache_alias]["BACKEND"].endswith("DatabaseCache"):
        return _count_in_table(key, timeout)
    cache = caches[cache_alias]
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _count_in_table(key: str, timeout: int) -> int:
    from django.db import connections, router
    from django.utils import timezone

    from halqa.core.models import RateWindow

    connection = connections[router.db_for_write(RateWindow)]
    quote = connection.ops.quote_name
    table, name, hits, expires = (quote(n) for n in (RateWindow._meta.db_table, "name", "hits", "expires"))
    until = connection.ops.adapt_datetimefield_value(timezone.now() + dt.timedelta(seconds=timeout))
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers are the model's own, quoted; the values are parameters.
            f"INSERT INTO {table} ({name}, {hits}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({name}) DO UPDATE SET {hits} = {table}.{hits} + 1 RETURNING {hits}",
            [key[:200], until],
        )
        return cursor.fetchone()[0]


class WindowThrottle(BaseThrottle):
    scope = ""
    cache_alias = "default"

    def applies(self, request) -> bool:
        raise NotImplementedError

    def ident(self, request) -> str:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self._wait = None
        if not self.applies(request):
            return True
        rate = parse_rate(getattr(settings, "API_THROTTLE_RATES", {}).get(self.scope))
        if rate is None:
            return True
        allowed, period = rate
        now = time.time()
        window = int(now // period)
        key = f"halqa:throttle:{self.scope}:{self.ident(request)}:{window}"
        used = count_hit(key, period + 1, self.cache_alias)
        if used > allowed:
            self._wait = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return self._wait


class PersonReadThrottle(WindowThrottle):
    scope = "user_read"

    def applies(self, request) -> bool:
        return request.user.is_authenticated and request.method in SAFE_METHODS

    def ident(self, request) -> str:
        return str(request.user.pk)


class PersonWriteThrottle(PersonReadThrottle):
    scope = "user_write"

    def applies(self, request) -> bool:
        return request.user.is_authenticated and request.method not in SAFE_METHODS


class AddressThrottle(WindowThrottle):
    scope = "anon"

    def applies(self, request) -> bool:
        return not request.user.is_authenticated

    def ident(self, request) -> str:
        return client_ip(request) or "unknown"
