"""Halqa's settings (same middleware stack, database, cache, sessions, templates) with one app more
and the ceiling's URLs only."""

from halqa.settings import *  # noqa: F403
from halqa.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ceiling"]
ROOT_URLCONF = "bench.ceiling.urls"
