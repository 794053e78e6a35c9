"""Log lines with a UTC timestamp, so lines from the web server, the worker and the scheduler sort
into one timeline whatever the machine's time zone."""

from __future__ import annotations

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s", "%Y-%m-%dT%H:%M:%SZ")
