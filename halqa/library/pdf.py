"""A product as a PDF (WeasyPrint), in its own language and direction, cached per content.

The PDF is a document of the product's language: its labels are translated into that language and
the page runs right to left for Arabic and Persian (`dir` and `lang` set, no justified text, the
Noto fonts of `fonts-noto-core`, so Arabic and Persian letters are joined). It depends on nothing
about the reader, so one file serves everyone who may see the product.

Rendering a long text takes a second or more, so a request never waits for a long one:

* the file is named by a hash of the HTML it is made from (`library/pdf/<product>/<hash>.pdf` in the
  default storage), so any change (a revision, a co-author, a retraction) gives a new name, and an
  unchanged product is never rendered twice;
* the task queue renders it after each revision and after publishing (`schedule`), and removes the
  product's older files;
* a request for a file not there yet renders it on the spot only when the HTML is short
  (`ON_DEMAND_CHARS`, a few tenths of a second); for a longer one it schedules the task and the page
  says the PDF is being prepared.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Product, ProductAttachment, Status

ON_DEMAND_CHARS = 30_000  # of HTML: rendered in the request (about 0.1–0.3 s on this machine)
FOLDER = "library/pdf"
RTL = {"ar", "fa"}

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # each step of each PDF, at INFO


@dataclass(frozen=True)
class Document:
    html: str
    name: str  # where its PDF is (or will be) kept in the default storage

    @property
    def small(self) -> bool:
        return len(self.html) <= ON_DEMAND_CHARS


def document(product: Product) -> Document:
    """The HTML the PDF is made from (the print view's content, in the product's language)."""
    with translation.override(product.language):
        html = render_to_string(
            "library/pdf.html",
            {
                "product": product,
                "hidden": product.status == Status.RETRACTED,
                "authors": product.authors.select_related("user").order_by("pk"),
                "attachments": list(product.attachments.order_by("pk")),
                "direction": "rtl" if product.language in RTL else "ltr",
            },
        )
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    return Document(html=html, name=f"{FOLDER}/{product.pk}/{digest}.pdf")


def _fetch_nothing(url: str, *args, **kwargs):
    """The PDF is made from the product's own text and the template's inline style: nothing is
    fetched (a body's links are only written out, never followed)."""
    raise ValueError(f"the library's PDFs fetch nothing ({url[:80]})")


# The text's images are the product's own image files (richtext.py): read from the storage, never
# fetched over the network. Their addresses are relative (WeasyPrint hands them over as they are, or
# joined to this base).
FILES_BASE = "halqa-file:///"
OWN_IMAGE = re.compile(r"^(?:halqa-file://)?/library/(\d{1,18})/files/(\d{1,18})/$")


def own_image(product_pk: int | None, url: str) -> tuple[bytes, str]:
    """The bytes and type of one of the product's own image files at `url`; ValueError for anything
    else (another product's file, a file that is not an image, any other address)."""
    found = OWN_IMAGE.match(url)
    if product_pk is None or not found or int(found.group(1)) != product_pk:
        _fetch_nothing(url)
    image = ProductAttachment.objects.filter(
        product_id=product_pk, pk=int(found.group(2)), content_type__startswith="image/"
    ).first()
    if image is None:
        _fetch_nothing(url)
    with image.file.open("rb") as handle:
        return handle.read(), image.content_type


def render(html: str, product_pk: int | None = None) -> bytes:
    """The PDF of `html`; with `product_pk`, that product's own images in its text are drawn."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnImages(URLFetcher):
        def fetch(self, url, headers=None):
            body, content_type = own_image(product_pk, url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    fetcher = OwnImages(allowed_protocols=("halqa-file",), allow_redirects=False)
    return HTML(string=html, base_url=FILES_BASE, url_fetcher=fetcher).write_pdf()


def ready(doc: Document) -> bool:
    return default_storage.exists(doc.name)


def build(product: Product) -> str:
    """Render the product's PDF unless its file is there already; remove its older files. The name."""
    doc = document(product)
    if not default_storage.exists(doc.name):
        saved = default_storage.save(doc.name, ContentFile(render(doc.html, product.pk)))
        if saved != doc.name:  # another worker saved the same content first: keep theirs
            default_storage.delete(saved)
    folder = f"{FOLDER}/{product.pk}"
    _dirs, files = default_storage.listdir(folder)
    for old in files:
        if f"{folder}/{old}" != doc.name:
            default_storage.delete(f"{folder}/{old}")
    return doc.name


def schedule(product: Product) -> None:
    """Render the product's PDF in the task queue once the current transaction commits."""
    from .tasks import render_pdf

    pk = product.pk
    transaction.on_commit(lambda: render_pdf.enqueue(pk))
