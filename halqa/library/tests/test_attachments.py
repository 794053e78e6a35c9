"""A product's files and the images in its text: who may add, remove and download them (both sides
of each permission, draft, published and retracted), files refused as discussions refuse theirs with
nothing saved, and images only of the product's own image files."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from halqa.discussions.tests.files import PDF_BYTES, PNG_BYTES, upload
from halqa.events.models import Event, Verb
from halqa.library import services
from halqa.library.models import Product, ProductAttachment
from halqa.library.search import read_product
from halqa.library.tests.test_library import API, APPROVE, api_as, approved
from halqa.library.tests.test_library import lib as lib  # the fixture

pytestmark = pytest.mark.django_db

PDF = PDF_BYTES
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def as_(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def draft(w) -> Product:
    """Cyrus's draft (the parent Parisa co-writes it), assigned to the expert Eve for review."""
    product = services.from_case(w.case, actor=w.colleague)
    services.submit(product, actor=w.colleague)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    return Product.objects.get(pk=product.pk)


def published(w) -> Product:
    product = approved(w)
    services.publish(product, actor=w.principal)
    return Product.objects.get(pk=product.pk)


# --- Adding and removing: who may --------------------------------------------------------------


def test_authors_and_stewards_attach_files_and_no_one_else(lib, media_root):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    added = services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])
    assert [(a.name, a.content_type, a.size, a.uploaded_by) for a in added] == [
        ("worksheet.pdf", "application/pdf", len(PDF), w.colleague)
    ]
    services.attach(product, actor=w.principal, files=[upload("slides.pdf")])  # a coordinator: a steward
    for stranger in (w.other_teacher, w.student, w.other_parent, w.foreign_teacher):
        with pytest.raises(Http404):  # they may not know the draft exists
            services.attach(product, actor=stranger, files=[upload("mine.pdf")])
    services.submit(product, actor=w.colleague)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    with pytest.raises(PermissionDenied):  # the reviewer reads the draft, its files are the authors'
        services.attach(product, actor=w.expert, files=[upload("mine.pdf")])
    assert product.attachments.count() == 2 and len(stored_files(media_root)) == 2


def test_one_event_per_upload_says_how_many_never_the_names(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    services.attach(product, actor=w.colleague, files=[upload("Parisa's son.pdf"), upload("b.png", PNG_BYTES)])
    event = Event.objects.get(verb=Verb.PRODUCT_FILES_ADDED)
    assert event.after == {"kind": "attachment", "count": 2, "types": ["pdf", "png"]}
    assert "Parisa" not in str(event.after) and event.actor == w.colleague


def test_a_published_products_files_are_changed_by_its_people_not_by_its_readers(lib):
    w = lib
    product = published(w)
    services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])
    with pytest.raises(PermissionDenied):
        services.attach(product, actor=w.other_teacher, files=[upload("mine.pdf")])
    file = product.attachments.get()
    with pytest.raises(PermissionDenied):
        services.remove_attachment(product, actor=w.other_teacher, attachment_id=file.pk)
    assert product.attachments.count() == 1


def test_nobody_changes_the_files_of_a_retracted_product(lib):
    w = lib
    product = published(w)
    services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])
    services.retract(product, actor=w.principal, reason="Out of date.")
    for person in (w.colleague, w.principal):
        with pytest.raises(PermissionDenied):
            services.attach(product, actor=person, files=[upload("more.pdf")])
        with pytest.raises(PermissionDenied):
            services.remove_attachment(product, actor=person, attachment_id=product.attachments.get().pk)
    assert product.attachments.count() == 1


def test_removing_a_file_deletes_it_after_commit_and_a_file_of_another_product_is_404(
    lib, media_root, django_capture_on_commit_callbacks
):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    other = services.start(actor=w.colleague, title="Another", language="en")
    file = services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])[0]
    with pytest.raises(Http404):
        services.remove_attachment(other, actor=w.colleague, attachment_id=file.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(product, actor=w.colleague, attachment_id=file.pk)
    assert not ProductAttachment.objects.filter(pk=file.pk).exists() and stored_files(media_root) == []
    assert Event.objects.filter(verb=Verb.PRODUCT_FILE_REMOVED, target_id=product.pk).exists()


# --- Bad files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("worksheet.pdf", EXE)], "is not really a .pdf file"),
        ([upload("setup.exe", EXE)], "only these file types can"),
        ([upload("empty.pdf", b"")], "is empty"),
    ],
)
def test_disguised_or_empty_files_are_refused_with_nothing_saved(lib, media_root, files, message):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    with pytest.raises(ValidationError) as refused:
        services.attach(product, actor=w.colleague, files=[upload("fine.pdf"), *files])
    assert message in " ".join(refused.value.messages)
    assert product.attachments.count() == 0 and stored_files(media_root) == []
    assert not Event.objects.filter(verb=Verb.PRODUCT_FILES_ADDED).exists()


def test_an_oversized_file_and_one_too_many_are_refused(lib, settings, media_root):
    w = lib
    settings.DISCUSSION_MAX_ATTACHMENT_BYTES = 100
    settings.LIBRARY_MAX_ATTACHMENTS = 2
    product = services.from_case(w.case, actor=w.colleague)
    with pytest.raises(ValidationError) as refused:
        services.attach(product, actor=w.colleague, files=[upload("big.pdf", PDF + b"%" * 200)])
    assert "a file can be at most 100" in " ".join(refused.value.messages)
    services.attach(product, actor=w.colleague, files=[upload("a.pdf")])
    with pytest.raises(ValidationError) as refused:
        services.attach(product, actor=w.colleague, files=[upload("b.pdf"), upload("c.pdf")])
    assert refused.value.messages == ["“c.pdf” was not attached: a product can have at most 2 files."]
    assert list(product.attachments.values_list("name", flat=True)) == ["a.pdf"]
    assert len(stored_files(media_root)) == 1
    with pytest.raises(ValidationError):
        services.attach(product, actor=w.colleague, files=[])


def test_a_nul_or_a_disguising_character_in_a_name_is_dropped(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    added = services.attach(
        product, actor=w.colleague, files=[upload("work\x00sheet.pdf"), upload("slides\u202etxt.pdf")]
    )
    assert [a.name for a in added] == ["worksheet.pdf", "slidestxt.pdf"]


# --- Downloading: who may ----------------------------------------------------------------------


def test_a_drafts_files_only_to_who_may_see_the_draft(lib):
    w = lib
    product = draft(w)
    file = services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])[0]
    url = reverse("library:file", args=[product.pk, file.pk])
    for person in (w.colleague, w.parent, w.principal, w.expert):  # authors, a steward, the reviewer
        response = as_(person).get(url)
        assert response.status_code == 200, person
        assert b"".join(response.streaming_content) == PDF
    for person in (w.other_teacher, w.student, w.other_parent, w.foreign_teacher):
        assert as_(person).get(url).status_code == 404, person
    assert as_(None).get(url).status_code == 302  # sign in first (the library is not public)


def test_a_published_products_files_to_every_reader_and_the_headers_are_safe(lib, settings):
    w = lib
    product = published(w)
    pdf, png = services.attach(product, actor=w.colleague, files=[upload("work sheet.pdf"), upload("a.png", PNG_BYTES)])
    pdf_url = reverse("library:file", args=[product.pk, pdf.pk])
    for person in (w.other_teacher, w.student, w.other_parent, w.foreign_teacher):
        assert as_(person).get(pdf_url).status_code == 200, person
    response = as_(w.student).get(pdf_url)
    assert response["Content-Disposition"].startswith("attachment;") and "work sheet.pdf" in response[
        "Content-Disposition"
    ].replace("%20", " ")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    image = as_(w.student).get(png.get_absolute_url())
    assert image["Content-Disposition"].startswith("inline;") and image["Content-Type"] == "image/png"
    assert as_(None).get(pdf_url).status_code == 302
    settings.LIBRARY_PUBLIC = True
    assert as_(None).get(pdf_url).status_code == 200
    other = services.start(actor=w.colleague, title="Another", language="en")
    assert as_(w.colleague).get(reverse("library:file", args=[other.pk, pdf.pk])).status_code == 404
    assert as_(w.colleague).get(reverse("library:file", args=[product.pk, 999999])).status_code == 404


def test_a_retracted_products_files_are_hidden_like_its_text(lib, settings):
    w = lib
    settings.LIBRARY_PUBLIC = True
    product = published(w)
    file = services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])[0]
    services.retract(product, actor=w.principal, reason="Out of date.")
    for person in (w.colleague, w.principal, w.other_teacher, None):
        assert as_(person).get(file.get_absolute_url()).status_code == 404, person
    page = as_(w.colleague).get(product.get_absolute_url()).content.decode()
    assert "worksheet.pdf" not in page


# --- Pages -------------------------------------------------------------------------------------


def test_the_pages_list_upload_and_remove_files(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    edit = as_(w.colleague).get(reverse("library:edit", args=[product.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in edit and 'name="files"' in edit
    add = reverse("library:file_add", args=[product.pk])
    response = as_(w.colleague).post(add, {"files": [upload("worksheet.pdf")], "back": "edit"})
    assert response.status_code == 302 and response["Location"] == reverse("library:edit", args=[product.pk])
    file = product.attachments.get()
    page = as_(w.colleague).get(product.get_absolute_url()).content.decode()
    assert "worksheet.pdf" in page and file.get_absolute_url() in page
    assert reverse("library:file_remove", args=[product.pk, file.pk]) in page
    assert "worksheet.pdf" in as_(w.colleague).get(reverse("library:print", args=[product.pk])).content.decode()
    # refused: a translated message, nothing saved
    response = as_(w.colleague).post(add, {"files": [upload("setup.pdf", EXE)]}, follow=True)
    assert "is not really a .pdf file" in response.content.decode() and product.attachments.count() == 1
    # a stranger may not know the draft; the steward sees it
    assert as_(w.other_teacher).post(add, {"files": [upload("mine.pdf")]}).status_code == 404
    remove = reverse("library:file_remove", args=[product.pk, file.pk])
    assert as_(w.other_teacher).post(remove).status_code == 404
    assert as_(w.colleague).get(remove).status_code == 405
    assert as_(w.principal).post(remove).status_code == 302
    assert product.attachments.count() == 0


def test_a_reader_of_a_published_product_sees_the_files_without_the_buttons(lib):
    w = lib
    product = published(w)
    file = services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])[0]
    page = as_(w.other_teacher).get(product.get_absolute_url()).content.decode()
    assert file.get_absolute_url() in page and "file_remove" not in page
    assert reverse("library:file_remove", args=[product.pk, file.pk]) not in page
    add = reverse("library:file_add", args=[product.pk])
    assert as_(w.other_teacher).post(add, {"files": [upload("mine.pdf")]}).status_code == 403
    assert product.attachments.count() == 1


# --- Images in the text ------------------------------------------------------------------------


def test_only_the_products_own_images_are_shown_in_its_text(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    other = services.start(actor=w.colleague, title="Another", language="en")
    image, pdf = services.attach(product, actor=w.colleague, files=[upload("diagram.png", PNG_BYTES), upload("w.pdf")])
    foreign = services.attach(other, actor=w.colleague, files=[upload("theirs.png", PNG_BYTES)])[0]
    body = (
        f"![The seating plan](attachment:{image.pk})\n\n"
        f"![](attachment:{image.pk})\n\n"
        f'![x" onerror="alert(1)<script>](attachment:{image.pk})\n\n'
        f"![pixel](https://tracker.example/p.gif)\n\n"
        f"![theirs](attachment:{foreign.pk})\n\n"
        f"![theirs too](/library/{other.pk}/files/{foreign.pk}/)\n\n"
        f"![a pdf](attachment:{pdf.pk})\n\n"
        f"![by address](/library/{product.pk}/files/{image.pk}/)"
    )
    services.revise(product, actor=w.colleague, body=body, note="Images")
    html = Product.objects.get(pk=product.pk).body_html
    src = f'src="/library/{product.pk}/files/{image.pk}/"'
    assert f'<img {src} alt="The seating plan" loading="lazy">' in html
    assert f'<img {src} alt="diagram.png" loading="lazy">' in html  # no alt: the file's name
    assert f'<img {src} alt="by address" loading="lazy">' in html
    assert 'alt="x&quot; onerror=&quot;alert(1)&lt;script&gt;"' in html and "<script" not in html
    assert html.count("<img ") == 4
    assert "tracker.example" not in html and f"files/{foreign.pk}/" not in html and f"files/{pdf.pk}/" not in html
    # the image goes from the text with its file
    services.remove_attachment(product, actor=w.colleague, attachment_id=image.pk)
    assert "<img" not in Product.objects.get(pk=product.pk).body_html


def test_search_reads_an_images_alt_text_and_the_comparison_its_markdown(lib):
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    image = services.attach(product, actor=w.colleague, files=[upload("wall.png", PNG_BYTES)])[0]
    services.revise(
        product, actor=w.colleague, body=f"Look:\n\n![Exit ticket wall](attachment:{image.pk})", note="Image"
    )
    services.submit(product, actor=w.colleague)
    services.assign(product, actor=w.principal, reviewer=w.expert)
    services.review(product, actor=w.expert, scores=APPROVE, decision="approve")
    services.publish(product, actor=w.principal)
    text = read_product(product.pk).text
    assert "Exit ticket wall" in text and "<img" not in text and "attachment:" not in text
    first, last = product.revisions.order_by("number")[0].number, product.revisions.order_by("-number")[0].number
    compared = services.compare(product, actor=w.colleague, first=first, second=last)
    assert "Exit" in str(compared)


# --- The API -----------------------------------------------------------------------------------


def test_the_api_adds_lists_and_removes_files_on_both_sides(lib, media_root):
    w = lib
    product = draft(w)
    url = f"{API}{product.pk}/attachments/"
    answer = api_as(w.colleague).post(url, {"file": upload("worksheet.pdf")}, format="multipart")
    assert answer.status_code == 201, answer.content
    file = ProductAttachment.objects.get(product=product)
    assert answer.json() == {
        "id": file.pk,
        "name": "worksheet.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
        "url": f"/library/{product.pk}/files/{file.pk}/",
    }
    detail = api_as(w.expert).get(f"{API}{product.pk}/").json()
    assert [a["name"] for a in detail["attachments"]] == ["worksheet.pdf"]
    # a stranger may not know the draft; the reviewer may not add to it; a disguised file is refused
    assert api_as(w.other_teacher).post(url, {"file": upload("a.pdf")}, format="multipart").status_code == 404
    assert api_as(w.expert).post(url, {"file": upload("a.pdf")}, format="multipart").status_code == 403
    refused = api_as(w.colleague).post(url, {"file": upload("a.pdf", EXE)}, format="multipart")
    assert refused.status_code == 400 and "is not really a .pdf file" in refused.json()["file"][0]
    assert api_as(None).post(url, {"file": upload("a.pdf")}, format="multipart").status_code in (401, 403)
    assert ProductAttachment.objects.filter(product=product).count() == 1 and len(stored_files(media_root)) == 1
    one = f"{url}{file.pk}/"
    assert api_as(w.other_teacher).delete(one).status_code == 404
    assert api_as(w.expert).delete(one).status_code == 403
    assert api_as(w.colleague).delete(f"{url}999999/").status_code == 404
    assert ProductAttachment.objects.filter(pk=file.pk).exists()
    assert api_as(w.principal).delete(one).status_code == 204
    assert not ProductAttachment.objects.filter(pk=file.pk).exists()


def test_the_api_hides_a_retracted_products_files(lib):
    w = lib
    product = published(w)
    services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])
    assert len(api_as(w.other_teacher).get(f"{API}{product.pk}/").json()["attachments"]) == 1
    services.retract(product, actor=w.principal, reason="Out of date.")
    assert api_as(w.colleague).get(f"{API}{product.pk}/").json()["attachments"] == []


def test_the_pdf_lists_the_files_and_draws_only_the_products_own_images(lib, caplog):
    from halqa.library import pdf

    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    other = services.start(actor=w.colleague, title="Another", language="en")
    image, _sheet = services.attach(product, actor=w.colleague, files=[upload("wall.png", PNG_BYTES), upload("w.pdf")])
    theirs = services.attach(other, actor=w.colleague, files=[upload("theirs.png", PNG_BYTES)])[0]
    services.revise(product, actor=w.colleague, body=f"![Wall](attachment:{image.pk})", note="Image")
    product = Product.objects.get(pk=product.pk)
    doc = pdf.document(product)
    assert "wall.png" in doc.html and "w.pdf" in doc.html

    def fetch(url):
        return pdf.own_image(product.pk, url)

    assert fetch(f"{pdf.FILES_BASE}library/{product.pk}/files/{image.pk}/")[1] == "image/png"
    for url in (
        f"{pdf.FILES_BASE}library/{other.pk}/files/{theirs.pk}/",  # another product's
        f"{pdf.FILES_BASE}library/{product.pk}/files/{theirs.pk}/",  # another's under this product's address
        f"{pdf.FILES_BASE}library/{product.pk}/files/{_sheet.pk}/",  # not an image
        "https://tracker.example/p.gif",
    ):
        with pytest.raises(ValueError):
            fetch(url)
    with_image = pdf.render(doc.html, product.pk)
    assert with_image.startswith(b"%PDF-") and b"/Subtype /Image" in with_image
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_link_to_the_products_own_file_points_at_its_download_and_no_other(lib):
    """`[the worksheet](attachment:N)` of the product's own file becomes a link to the file's
    download address (whatever its type); one to another product's file keeps its words only; the
    address goes when the file is removed."""
    w = lib
    product = services.from_case(w.case, actor=w.colleague)
    other = services.start(actor=w.colleague, title="Another", language="en")
    sheet = services.attach(product, actor=w.colleague, files=[upload("worksheet.pdf")])[0]
    foreign = services.attach(other, actor=w.colleague, files=[upload("theirs.pdf")])[0]
    body = (
        f"Print [the worksheet](attachment:{sheet.pk}) for each pair.\n\n"
        f"Or [theirs](attachment:{foreign.pk}), or [by address](/library/{other.pk}/files/{foreign.pk}/)."
    )
    services.revise(product, actor=w.colleague, body=body, note="Links")
    html = Product.objects.get(pk=product.pk).body_html
    assert f'<a href="/library/{product.pk}/files/{sheet.pk}/" rel="nofollow noopener">the worksheet</a>' in html
    assert "theirs" in html and "by address" in html
    assert f"files/{foreign.pk}/" not in html and "attachment:" not in html
    services.remove_attachment(product, actor=w.colleague, attachment_id=sheet.pk)
    html = Product.objects.get(pk=product.pk).body_html
    assert "the worksheet" in html and f"files/{sheet.pk}/" not in html
