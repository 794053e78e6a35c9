"""The vector matcher: an exact scan with numpy over a contiguous matrix held in the process.

* The matrix holds every stored vector of the model in use as int8 with one float32 scale per row
  (100,000 × 384 is 37 MB; float32 would be 150 MB, float16 77 MB), scored in chunks converted to
  float32, so a lookup never holds a second copy. int8 rather than float16 because numpy converts
  int8 to float32 about ten times faster than float16 here (no BLAS reads either); the rounding
  changes a cosine by about 0.002, far below the gaps between ranks that matter. It is loaded on the first lookup and refreshed cheaply: each lookup asks the database one
  small question (how many vectors of this model, and the newest `updated_at`); when that changed,
  only the rows written since are read and put in place; a row that vanished makes a full reload.
* Per-language mean-centring: E5's vectors carry a strong "which language" direction, so a story
  is nearer to any story in its own language than to the same difficulty told in another. Each
  language's mean vector is subtracted from its vectors (and from a query, by the query's script)
  and the result renormalised. With few vectors of a language its corpus mean is unreliable, so it
  is shrunk toward a prior: the mean of twenty generic school sentences written in all four
  languages (`calibration_texts.json`, embedded by `manage.py similar_calibrate` into
  `calibration.json`), weighted as PRIOR_WEIGHT vectors.
* Scores are computed without storing a centred copy: for a row v of language L with mean m_L and
  a centred, normalised query c, cos = (v·c − m_L·c) / |v − m_L|, where |v − m_L| is kept per row
  (recomputed for a language only when its mean has moved by more than MEAN_TOLERANCE).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.db.models import Count, Max

from . import embedding
from .models import Vector

CALIBRATION = Path(__file__).with_name("calibration.json")
PRIOR_WEIGHT = 20.0
MEAN_TOLERANCE = 0.01
CHUNK = 4_096  # rows converted to float32 at a time while scoring (6 MB: stays in the CPU's cache)
LANGUAGES = ("en", "ar", "fa", "ru")
KINDS = ("case", "product")


@lru_cache(maxsize=4)
def priors(model: tuple[str, str] | None = None) -> dict[str, np.ndarray]:
    """The calibration means per language, when they were made with this model (else none)."""
    try:
        data = json.loads(CALIBRATION.read_text())
    except (OSError, ValueError):
        return {}
    if model is not None and [data.get("model"), data.get("version")] != list(model):
        return {}
    return {language: np.asarray(mean, dtype=np.float32) for language, mean in data.get("means", {}).items()}


def language_code(language: str) -> int:
    return LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES)


def key(kind: str, object_id: int) -> int:
    """One int per object (a tuple per row would cost 64 bytes more each at 100,000 rows)."""
    return KINDS.index(kind) << 48 | int(object_id)


@dataclass(frozen=True)
class Scored:
    kind: str
    object_id: int
    language: str
    score: float


class Matrix:
    """Vectors in memory with their kind, object id and language; see the module's docstring."""

    def __init__(self, dim: int = embedding.DIM):
        self.dim = dim
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        self.n = 0
        self.data = np.zeros((0, self.dim), dtype=np.int8)
        self.scale = np.zeros(0, dtype=np.float32)  # row ≈ data × scale
        self.norm2 = np.zeros(0, dtype=np.float32)  # |row|² as stored (about 1)
        self.kinds = np.zeros(0, dtype=np.int8)
        self.langs = np.zeros(0, dtype=np.int8)
        self.ids = np.zeros(0, dtype=np.int64)
        self.dots = np.zeros(0, dtype=np.float32)  # v · m_L per row
        self.row_of: dict[int, int] = {}  # key(kind, object id) → row
        count = len(LANGUAGES) + 1
        self.sums = np.zeros((count, self.dim), dtype=np.float64)
        self.counts = np.zeros(count, dtype=np.int64)
        self.prior = np.zeros((count, self.dim), dtype=np.float32)
        self.means = np.zeros((count, self.dim), dtype=np.float32)  # the means the scores use now
        self.fingerprint = None
        self.model = None
        self.checked_at = float("-inf")

    # --- writing ------------------------------------------------------------------------------

    def _grow(self, needed: int) -> None:
        if needed <= len(self.data):
            return
        size = max(needed, int(len(self.data) * 1.5) + 64)
        for name in ("data", "scale", "norm2", "kinds", "langs", "ids", "dots"):
            old = getattr(self, name)
            new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def put(self, rows: list[tuple[str, int, str, np.ndarray]]) -> None:
        """Add or replace rows (kind, object id, language, vector); then the means are updated."""
        self._grow(self.n + len(rows))
        touched = []
        for kind, object_id, language, vector in rows:
            code = language_code(language)
            row = self.row_of.get(key(kind, object_id))
            if row is None:
                row = self.n
                self.n += 1
                self.row_of[key(kind, object_id)] = row
            else:
                old = self.langs[row]
                self.sums[old] -= self.row(row)
                self.counts[old] -= 1
            vector = np.asarray(vector, dtype=np.float32)
            scale = max(float(np.abs(vector).max()), 1e-9) / 127.0
            self.data[row] = np.round(vector / scale).astype(np.int8)
            self.scale[row] = scale
            self.kinds[row], self.ids[row], self.langs[row] = KINDS.index(kind), int(object_id), code
            stored = self.row(row)
            self.norm2[row] = float(stored @ stored)
            self.sums[code] += stored
            self.counts[code] += 1
            touched.append(row)
        self._centre(np.asarray(touched, dtype=np.int64))

    def row(self, row: int) -> np.ndarray:
        return self.data[row].astype(np.float64) * float(self.scale[row])

    def _block(self, rows) -> np.ndarray:
        return self.data[rows].astype(np.float32) * self.scale[rows][:, None]

    def _mean(self, code: int) -> np.ndarray:
        count = self.counts[code]
        mean = (self.sums[code] + PRIOR_WEIGHT * self.prior[code]) / (count + PRIOR_WEIGHT)
        return mean.astype(np.float32)

    def _centre(self, touched: np.ndarray) -> None:
        """Move a language's mean when it shifted enough (recomputing its rows' dots), else keep it
        and compute the dots of the touched rows only."""
        langs = self.langs[: self.n]
        for code in range(len(self.means)):
            mean = self._mean(code)
            if np.linalg.norm(mean - self.means[code]) > MEAN_TOLERANCE:
                self.means[code] = mean
                rows = np.flatnonzero(langs == code)
                for start in range(0, len(rows), CHUNK):
                    part = rows[start : start + CHUNK]
                    self.dots[part] = np.einsum("ij,j->i", self.data[part].astype(np.float32), mean) * self.scale[part]
        if len(touched):
            self.dots[touched] = np.einsum("ij,ij->i", self._block(touched), self.means[self.langs[touched]])

    # --- reading ------------------------------------------------------------------------------

    def vector(self, kind: str, object_id: int) -> np.ndarray | None:
        """An object's vector as held here (None when it has none): a page needs no query for it."""
        row = self.row_of.get(key(kind, object_id))
        return None if row is None else self.row(row).astype(np.float32)

    def centred_query(self, vector: np.ndarray, language: str) -> np.ndarray:
        code = language_code(language)
        mean = self.means[code] if self.counts[code] or self.prior[code].any() else self.means.mean(axis=0)
        centred = vector.astype(np.float32) - mean
        return centred / max(float(np.linalg.norm(centred)), 1e-6)

    def scores(self, query: np.ndarray, language: str) -> np.ndarray:
        """The centred cosine of the query with every row (n float32)."""
        c = self.centred_query(query, language)
        out = np.empty(self.n, dtype=np.float32)
        mean_dot = np.einsum("ij,j->i", self.means, c)  # m_L · c per language
        mean_norm2 = np.einsum("ij,ij->i", self.means, self.means)
        for start in range(0, self.n, CHUNK):
            stop = min(start + CHUNK, self.n)
            # einsum, not `@`: numpy's BLAS spreads a product this small over threads that only
            # contend with the server's (p50 190 ms against 6 ms here), and holding BLAS to one
            # thread slows the embedding engine tenfold.
            raw = np.einsum("ij,j->i", self.data[start:stop].astype(np.float32), c) * self.scale[start:stop]
            langs = self.langs[start:stop]
            # |v − m|² = |v|² − 2 v·m + |m|²
            norms = np.sqrt(np.maximum(self.norm2[start:stop] - 2.0 * self.dots[start:stop] + mean_norm2[langs], 1e-6))
            out[start:stop] = (raw - mean_dot[langs]) / norms
        return out

    def top(self, query: np.ndarray, language: str, *, kinds=KINDS, limit: int = 200, exclude=()) -> list[Scored]:
        if self.n == 0:
            return []
        scores = self.scores(query, language)
        wanted = np.isin(self.kinds[: self.n], [KINDS.index(kind) for kind in kinds])
        for kind, object_id in exclude:
            row = self.row_of.get(key(kind, object_id))
            if row is not None:
                wanted[row] = False
        scores = np.where(wanted, scores, -np.inf)
        count = min(limit, int(wanted.sum()))
        if count <= 0:
            return []
        best = np.argpartition(-scores, count - 1)[:count] if count < self.n else np.arange(self.n)
        best = best[np.lexsort((self.ids[best], -scores[best]))][:count]
        names = (*LANGUAGES, "")
        return [
            Scored(KINDS[self.kinds[row]], int(self.ids[row]), names[self.langs[row]], float(scores[row]))
            for row in best
        ]

    # --- keeping up with the database ------------------------------------------------------------

    def refresh(self) -> None:
        """One small query; reads only the rows written since the last look, or everything again
        when the model changed or a row vanished."""
        model = embedding.model_id()
        if model is None:
            self.clear()
            return
        stored = Vector.objects.filter(model=model[0], version=model[1])
        fingerprint = stored.aggregate(count=Count("id"), newest=Max("updated_at"))
        with self.lock:
            if fingerprint == self.fingerprint and model == self.model:
                return
            since = None
            if model == self.model and self.fingerprint and fingerprint["count"] >= self.fingerprint["count"]:
                since = self.fingerprint["newest"]
            else:
                self.clear()
                self.model = model
                prior = priors(model)
                for language, mean in prior.items():
                    self.prior[language_code(language)] = mean
            rows = stored.filter(updated_at__gte=since) if since else stored
            batch = []
            for kind, object_id, language, blob in rows.values_list("kind", "object_id", "language", "vector").iterator(
                chunk_size=2_000
            ):
                if kind in KINDS:
                    batch.append((kind, object_id, language, np.frombuffer(bytes(blob), dtype="<f2")))
                if len(batch) >= 2_000:
                    self.put(batch)
                    batch = []
            if batch:
                self.put(batch)
            if self.n != fingerprint["count"]:  # a row vanished while others were written: read all again
                self.clear()
                self.fingerprint = None
                self.model = None
                return self.refresh()
            self.fingerprint = fingerprint


_matrix = Matrix()


def matrix(max_age: float = 0) -> Matrix:
    """The process's matrix, brought up to date with the database (one small query when unchanged);
    with `max_age`, not asked again when it was within that many seconds (a page's side ranking)."""
    fresh = time.monotonic() - _matrix.checked_at < max_age and _matrix.model == embedding.model_id()
    if not fresh:
        _matrix.refresh()
        _matrix.checked_at = time.monotonic()
    return _matrix
