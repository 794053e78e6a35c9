"""The `product` search kind: a published product's title, summary, text and "what did not work",
in its language. Drafts, products in review and retracted ones have no document, so a search cannot
return them; pages also search only within what the person may see (`ProductAccess`)."""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

from halqa.search import registry
from halqa.search.registry import Source

from .models import Product, Status

IMAGE = re.compile(r'<img [^>]*?alt="([^"]*)"[^>]*>')


def read_product(object_id: int) -> Source | None:
    product = (
        Product.objects.filter(pk=object_id, status=Status.PUBLISHED)
        .only("title", "summary", "body_html", "what_failed", "language")
        .first()
    )
    if product is None:
        return None
    # The body as its reader sees it (its Markdown rendered, tags dropped): snippets show no "##".
    # An image counts by its alt text (its words describe it; the tag itself would be dropped).
    body = html.unescape(strip_tags(IMAGE.sub(r" \1 ", product.body_html))).strip()
    text = "\n\n".join(part for part in (product.summary, body, product.what_failed) if part)
    return Source(language=product.language, title=product.title, text=text)


registry.register(
    "product",
    read_product,
    all_ids=lambda: Product.objects.filter(status=Status.PUBLISHED).values_list("pk", flat=True),
)
