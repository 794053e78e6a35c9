"""Files at intake (issue 11): attachments with "Ask for help", the scanned paper form with a
transcribed request, who may download which, the API, and the paper form a school prints for its box."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from halqa.cases import services
from halqa.cases.demo import scanned_form
from halqa.cases.models import Case, CaseAttachment, CaseMember, Stage
from halqa.discussions.tests.files import PDF_BYTES, PNG_BYTES, upload
from halqa.events.models import Event, Verb

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/"
PDF = PDF_BYTES
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40
STORY = {
    "title": "Grade 7 will not start the exit ticket",
    "what_happened": "Every lesson the last five minutes are lost: half the class does not write the exit ticket.",
    "what_tried": "Shorter tickets; a timer on the board.",
    "help_wanted": "How do colleagues get every student to write something?",
    "language": "en",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def intake_form(world, **extra) -> dict:
    return {
        **STORY,
        "school": world.school.pk,
        "urgency": "normal",
        "audience": "teacher",
        "requester_group": "early_career_teacher",
        **extra,
    }


def transcribe_form(world, **extra) -> dict:
    return {
        **STORY,
        "school": world.school.pk,
        "channel": "paper",
        "requester_group": "parent",
        "audience": "parent",
        "anonymous": "on",
        "urgency": "normal",
        **extra,
    }


def file_url(attachment: CaseAttachment) -> str:
    return reverse("cases:attachment", args=[attachment.case_id, attachment.pk])


# --- Ask for help, with files ---------------------------------------------------------------------


def test_a_requester_attaches_files_when_asking_for_help(world, login):
    files = [upload("exit-ticket.pdf"), upload("board photo.png", PNG_BYTES)]
    response = login(world.teacher).post(reverse("cases:new"), intake_form(world, files=files))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    stored = list(case.attachments.order_by("name"))
    assert [(a.name, a.kind, a.content_type) for a in stored] == [
        ("board photo.png", "attachment", "image/png"),
        ("exit-ticket.pdf", "attachment", "application/pdf"),
    ]
    assert stored[0].uploaded_by == world.teacher and stored[1].file.read() == PDF
    event = Event.objects.get(verb=Verb.CASE_FILES_ADDED, target_id=case.pk)
    assert event.actor == world.teacher and event.after == {"kind": "attachment", "count": 2}
    page = login(world.teacher).get(case.get_absolute_url()).content.decode()
    assert file_url(stored[1]) in page and "exit-ticket.pdf" in page
    assert "Teacher Tala attached 2 files" in page


def test_an_anonymous_requesters_files_do_not_name_them(world):
    case = services.submit_case(
        actor=world.parent, school=world.school, anonymous=True, files=[upload("letter.pdf")], **STORY
    )
    attachment = case.attachments.get()
    assert attachment.uploaded_by is None
    event = Event.objects.get(verb=Verb.CASE_FILES_ADDED, target_id=case.pk)
    assert event.actor is None and event.actor_label == "Anonymous requester"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("setup.exe", EXE)], "only these file types can"),
        ([upload("report.pdf", EXE)], "is not really a .pdf file"),
        ([upload("README")], "only these file types can"),
        ([upload("\u202egpj.exe", EXE)], "cannot be attached"),  # a right-to-left override hiding .exe
        ([upload(f"page-{n}.pdf") for n in range(6)], "a request can have at most 5 files"),
    ],
    ids=["executable", "disguised", "no-extension", "rtl-override", "too-many"],
)
def test_refused_files_are_named_and_nothing_is_saved(world, login, files, message):
    response = login(world.teacher).post(reverse("cases:new"), intake_form(world, files=files))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()
    assert not Event.objects.filter(verb__startswith="case.").exists()


def test_too_big_and_empty_files_are_refused(world, settings):
    settings.DISCUSSION_MAX_ATTACHMENT_BYTES = 20
    with pytest.raises(services.ValidationError) as refused:
        services.submit_case(actor=world.teacher, school=world.school, files=[upload("big.pdf")], **STORY)
    assert "a file can be at most 20" in str(refused.value)
    with pytest.raises(services.ValidationError) as refused:
        services.submit_case(actor=world.teacher, school=world.school, files=[upload("empty.pdf", b"")], **STORY)
    assert "“empty.pdf” is empty." in str(refused.value)
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_the_ask_for_help_page_takes_files_and_offers_paper(world, login):
    page = login(world.teacher).get(reverse("cases:new")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file" name="files" multiple' in page
    assert reverse("cases:paper_form") in page


# --- The paper form, transcribed with its scan -----------------------------------------------------


def test_a_coordinator_transcribes_a_paper_request_with_its_scan(world, login):
    response = login(world.principal).post(
        reverse("cases:transcribe"),
        transcribe_form(world, paper_form=upload("scan.png", PNG_BYTES), files=[upload("drawing.pdf")]),
    )
    case = Case.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    scan = case.attachments.get(kind="paper_form")
    assert scan.name == "scan.png" and scan.uploaded_by == world.principal
    assert case.attachments.get(kind="attachment").name == "drawing.pdf"
    kinds = sorted(e.after["kind"] for e in Event.objects.filter(verb=Verb.CASE_FILES_ADDED, target_id=case.pk))
    assert kinds == ["attachment", "paper_form"]
    page = login(world.principal).get(case.get_absolute_url()).content.decode()
    assert file_url(scan) in page and "Scanned paper form" in page and "only the coordinators see it" in page
    assert "attached the scanned paper form" in page
    download = login(world.principal).get(file_url(scan))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_the_transcribe_page_takes_the_scan_and_links_the_form(world, login):
    page = login(world.principal).get(reverse("cases:transcribe")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="paper_form"' in page
    assert reverse("cases:paper_form") in page


@pytest.mark.parametrize(
    ("extra", "field_message"),
    [
        ({"channel": "email", "paper_form": "scan"}, "Only a request that came on paper has a scanned form."),
        ({"paper_form": "exe"}, "only these file types can"),
    ],
)
def test_a_wrong_scan_is_refused_and_nothing_is_saved(world, login, extra, field_message):
    files = {"scan": upload("scan.png", PNG_BYTES), "exe": upload("scan.exe", EXE)}
    extra = {**extra, "paper_form": files[extra["paper_form"]]}
    response = login(world.principal).post(reverse("cases:transcribe"), transcribe_form(world, **extra))
    assert response.status_code == 400 and field_message in response.content.decode()
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


# --- Who may download -----------------------------------------------------------------------------


@pytest.fixture
def filed(world):
    """Tala's open case with a file, and Parisa's paper request from the box, anonymous, with its
    scan and a drawing; Cyrus is in both working groups."""
    w = world
    w.case = services.submit_case(actor=w.teacher, school=w.school, files=[upload("plan.pdf")], **STORY)
    w.file = w.case.attachments.get()
    w.paper = services.transcribe_case(
        actor=w.principal,
        school=w.school,
        channel="paper",
        requester_group="parent",
        requester_name="Parisa, mother of Sami (8B)",
        anonymous=True,
        paper_form=upload("Parisa scan.png", PNG_BYTES),
        files=[upload("drawing.pdf")],
        **STORY,
    )
    w.scan = w.paper.attachments.get(kind="paper_form")
    w.drawing = w.paper.attachments.get(kind="attachment")
    for case in (w.case, w.paper):
        CaseMember.objects.create(case=case, user=w.colleague)
    return w


@pytest.mark.parametrize("who", ["teacher", "colleague", "principal", "district_admin"])
def test_who_may_view_the_case_downloads_its_files(filed, login, who):
    response = login(getattr(filed, who)).get(file_url(filed.file))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "plan.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("who", ["other_principal", "foreign_principal", "parent", "other_teacher", "student"])
def test_others_may_not_know_the_files_exist(filed, login, who):
    """Another school's coordinator, another authority's, a parent and a student of the school who
    are not involved, a teacher of another school."""
    for attachment in (filed.file, filed.scan, filed.drawing):
        assert login(getattr(filed, who)).get(file_url(attachment)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(filed, client):
    response = client.get(file_url(filed.file))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_file_is_found_only_under_its_own_case(filed, login):
    wrong = reverse("cases:attachment", args=[filed.paper.pk, filed.file.pk])
    assert login(filed.teacher).get(wrong).status_code == 404
    assert login(filed.principal).get(wrong).status_code == 404


def test_an_anonymous_requesters_scan_is_for_the_coordinators_alone(filed, login):
    member = login(filed.colleague)
    assert member.get(filed.paper.get_absolute_url()).status_code == 200
    assert member.get(file_url(filed.scan)).status_code == 404
    assert member.get(file_url(filed.drawing)).status_code == 200
    page = member.get(filed.paper.get_absolute_url()).content.decode()
    assert "Parisa scan.png" not in page and file_url(filed.scan) not in page and "drawing.pdf" in page
    seen = api_as(filed.colleague).get(f"{API}{filed.paper.pk}/").json()["attachments"]
    assert [a["name"] for a in seen] == ["drawing.pdf"]
    coordinator = api_as(filed.principal).get(f"{API}{filed.paper.pk}/").json()["attachments"]
    assert {a["kind"] for a in coordinator} == {"attachment", "paper_form"}
    assert login(filed.principal).get(file_url(filed.scan)).status_code == 200


def test_the_scan_of_a_named_requester_is_seen_by_the_group(world, login):
    case = services.transcribe_case(
        actor=world.principal,
        school=world.school,
        channel="paper",
        requester_group="parent",
        on_behalf_of=world.parent,
        paper_form=upload("form.pdf"),
        **STORY,
    )
    CaseMember.objects.create(case=case, user=world.colleague)
    scan = case.attachments.get()
    assert login(world.colleague).get(file_url(scan)).status_code == 200
    assert login(world.parent).get(file_url(scan)).status_code == 200  # the requester


# --- The API --------------------------------------------------------------------------------------


def test_the_requester_adds_a_file_through_the_api(filed):
    response = api_as(filed.teacher).post(
        f"{API}{filed.case.pk}/attachments/", {"file": upload("worksheet.pdf")}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    attachment = CaseAttachment.objects.get(pk=body["id"])
    assert body == {
        "id": attachment.pk,
        "name": "worksheet.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
        "kind": "attachment",
        "url": file_url(attachment),
    }
    detail = api_as(filed.teacher).get(f"{API}{filed.case.pk}/").json()
    assert [a["name"] for a in detail["attachments"]] == ["plan.pdf", "worksheet.pdf"]
    assert Event.objects.filter(verb=Verb.CASE_FILES_ADDED, target_id=filed.case.pk).count() == 2


def test_json_intake_still_works_and_lists_no_files(world):
    response = api_as(world.teacher).post(API, {**STORY, "school": world.school.pk}, format="json")
    assert response.status_code == 201 and response.json()["attachments"] == []


def test_the_coordinator_adds_the_scan_later_once(filed):
    case = services.transcribe_case(
        actor=filed.principal, school=filed.school, channel="paper", requester_group="student", anonymous=True, **STORY
    )
    url = f"{API}{case.pk}/attachments/"
    first = api_as(filed.principal).post(url, {"file": upload("scan.pdf"), "kind": "paper_form"}, format="multipart")
    assert first.status_code == 201 and first.json()["kind"] == "paper_form"
    again = api_as(filed.principal).post(url, {"file": upload("scan2.pdf"), "kind": "paper_form"}, format="multipart")
    assert again.status_code == 400 and again.json()["file"] == ["This request already has its scanned form."]


@pytest.mark.parametrize(
    ("who", "case", "body", "status"),
    [
        ("colleague", "case", {}, 403),  # the working group does not add files at intake
        ("other_teacher", "case", {}, 404),
        ("other_principal", "case", {}, 404),
        ("teacher", "case", {"kind": "paper_form"}, 403),  # only a coordinator adds a scan
        ("principal", "case", {"kind": "paper_form"}, 400),  # a request that came on the site
        ("principal", "case", {"kind": "photo"}, 400),
    ],
)
def test_who_may_not_add_files_through_the_api(filed, who, case, body, status):
    response = api_as(getattr(filed, who)).post(
        f"{API}{getattr(filed, case).pk}/attachments/", {"file": upload("x.pdf"), **body}, format="multipart"
    )
    assert response.status_code == status, response.json()
    assert filed.case.attachments.count() == 1


def test_files_are_added_only_while_the_request_is_understood(filed):
    Case.objects.filter(pk=filed.case.pk).update(stage=Stage.MATCHED)
    response = api_as(filed.teacher).post(
        f"{API}{filed.case.pk}/attachments/", {"file": upload("late.pdf")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["file"] == ["Files can be added only while the request is new or being clarified."]


def test_a_request_holds_five_attachments_at_most(filed):
    client = api_as(filed.teacher)
    url = f"{API}{filed.case.pk}/attachments/"
    for n in range(4):
        assert client.post(url, {"file": upload(f"p{n}.pdf")}, format="multipart").status_code == 201
    sixth = client.post(url, {"file": upload("sixth.pdf")}, format="multipart")
    assert sixth.status_code == 400
    assert sixth.json()["file"] == ["“sixth.pdf” was not attached: a request can have at most 5 files."]
    assert filed.case.attachments.count() == 5


def test_bad_uploads_through_the_api_are_refused(filed):
    client = api_as(filed.teacher)
    url = f"{API}{filed.case.pk}/attachments/"
    assert client.post(url, {"file": upload("run.exe", EXE)}, format="multipart").status_code == 400
    assert client.post(url, {"file": "not a file"}, format="multipart").status_code == 400
    assert client.post(url, {"file": "x"}, format="json").status_code == 415
    two = client.post(url, {"file": [upload("a.pdf"), upload("b.pdf")]}, format="multipart")
    assert two.status_code == 400 and two.json()["file"] == ["Send one file per request."]
    assert filed.case.attachments.count() == 1


def test_an_anonymous_requester_adds_a_file_without_being_named(world):
    case = services.submit_case(actor=world.parent, school=world.school, anonymous=True, **STORY)
    response = api_as(world.parent).post(
        f"{API}{case.pk}/attachments/", {"file": upload("note.pdf")}, format="multipart"
    )
    assert response.status_code == 201
    event = Event.objects.get(verb=Verb.CASE_FILES_ADDED, target_id=case.pk)
    assert event.actor is None and event.actor_label == "Anonymous requester"


# --- The paper form to print ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "direction", "title"),
    [("en", "ltr", "Ask for help"), ("ru", "ltr", None), ("ar", "rtl", None), ("fa", "rtl", None)],
)
def test_the_paper_form_prints_in_each_language(world, login, language, direction, title):
    response = login(world.principal).get(reverse("cases:paper_form"), {"lang": language})
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == language
    assert f'<html lang="{language}" dir="{direction}">' in page
    assert 'class="paper-form"' in page and "data-print" in page and 'class="paper-box"' in page
    if title:
        assert title in page and "I would like to take part in the working group" in page
        assert "the request may stay anonymous" in page and "request box, at:" in page
    else:  # translated: the English question is not there
        assert "What is happening? Tell it in your own words." not in page


def test_the_paper_form_follows_the_page_language_without_lang(client):
    client.cookies["halqa_language"] = "fa"
    page = client.get(reverse("cases:paper_form"), {"lang": "xx"}).content.decode()
    assert '<html lang="fa" dir="rtl">' in page


def test_the_paper_form_names_a_school(world, login):
    page = login(world.teacher).get(reverse("cases:paper_form"), {"school": world.school.pk}).content.decode()
    assert "Al-Farabi School" in page and "Put this sheet in the request box of Al-Farabi School" in page
    assert f"school={world.school.pk}" in page  # the language links keep the school
    assert login(world.teacher).get(reverse("cases:paper_form"), {"school": 10**9}).status_code == 404
    assert login(world.teacher).get(reverse("cases:paper_form"), {"school": "x"}).status_code == 404


def test_anyone_may_print_a_blank_form_but_no_school_is_named_to_visitors(world, client):
    response = client.get(reverse("cases:paper_form"))
    assert response.status_code == 200 and "Al-Farabi" not in response.content.decode()
    assert client.get(reverse("cases:paper_form"), {"school": world.school.pk}).status_code == 404
    assert client.post(reverse("cases:paper_form")).status_code in (403, 405)


def test_the_queue_links_the_paper_form(world, login):
    services.submit_case(actor=world.teacher, school=world.school, **STORY)
    page = login(world.principal).get(reverse("cases:list")).content.decode()
    assert reverse("cases:paper_form") in page


# --- Demo -----------------------------------------------------------------------------------------


def test_the_demo_scan_is_a_small_image_the_checks_accept(world):
    scan = scanned_form("форма.png")
    assert scan.size < 10_000
    case = services.transcribe_case(
        actor=world.principal,
        school=world.school,
        channel="paper",
        requester_group="student",
        anonymous=True,
        paper_form=scan,
        **STORY,
    )
    stored = case.attachments.get()
    assert stored.kind == "paper_form" and stored.name == "форма.png" and stored.content_type == "image/png"
