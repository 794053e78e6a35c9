"""The demo library meets issue 13's "Done means": published products of every type, in the four
languages, from cases their requesters closed; one in review with comments; one retracted with its
reason. Loading twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from halqa.cases.models import Case, Stage
from halqa.library.models import Kind, Product, ProductAttachment, Status

pytestmark = pytest.mark.django_db


def test_the_demo_library_has_every_type_closed_cases_a_review_and_a_retraction(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    published = Product.objects.filter(status=Status.PUBLISHED)
    assert set(published.values_list("kind", flat=True)) == set(Kind.values)
    from_closed = published.filter(source_case__stage=Stage.CLOSED)
    assert set(from_closed.values_list("language", flat=True)) == {"ar", "fa", "ru", "en"}
    for product in from_closed:
        assert product.source_case.feedback.filter(can_use=True).exists(), product
    in_review = Product.objects.get(status=Status.IN_REVIEW)
    assert in_review.comments.exists() and in_review.reviews.filter(decision="changes").exists()
    retracted = Product.objects.get(status=Status.RETRACTED)
    assert retracted.retract_reason
    # a published product with a worksheet to print, shown in its text
    sheet = ProductAttachment.objects.get(product__status=Status.PUBLISHED, content_type="image/png")
    assert sheet.file.read().startswith(b"\x89PNG") and f'src="{sheet.get_absolute_url()}"' in sheet.product.body_html
    counts = (Product.objects.count(), Case.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Product.objects.count(), Case.objects.count()) == counts
