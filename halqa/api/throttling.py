"""API throttling: per person for reads and (stricter) for writes, per client address for anonymous callers.

Rates come from settings.API_THROTTLE_RATES (env API_READ_RATE, API_WRITE_RATE, API_ANON_RATE; e.g.
"600/min"; empty turns a limit off), read at each request so a deployment or a test can change them.
A refused request gets 429 with `Retry-After` and a translated message (halqa.api.errors).

Each limit is a counter per fixed window (one cache key per caller and window, incremented), not
DRF's list of timestamps: one small number per caller in the cache, whatever the rate. The client
address is the one every limit agrees on, behind the trusted proxies (halqa.core.net.client_ip).
"""

from __future__ import annotations

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
        cache = caches[self.cache_alias]
        if cache.add(key, 1, timeout=period + 1):
            used = 1
        else:
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=period + 1)
                used = 1
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
