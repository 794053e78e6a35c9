"""Attachments: checked by name, size and real content; stored privately; downloaded by readers only."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from halqa.discussions import services
from halqa.discussions.models import Attachment, Post

from . import files
from .conftest import PDF, PNG, upload, write

pytestmark = pytest.mark.django_db


ALLOWED = {
    "plan.pdf": PDF,
    "board.png": PNG,
    "photo.jpg": files.JPEG_BYTES,
    "photo.JPEG": files.JPEG_BYTES,
    "anim.gif": files.GIF_BYTES,
    "pic.webp": files.WEBP_BYTES,
    "notes.txt": "Заметки — ملاحظات — notes\n".encode(),
    "lesson.docx": files.ooxml("docx"),
    "marks.xlsx": files.ooxml("xlsx"),
    "slides.pptx": files.ooxml("pptx"),
    "lesson.odt": files.odf("odt"),
    "marks.ods": files.odf("ods"),
    "slides.odp": files.odf("odp"),
}
IMAGES = {"board.png", "photo.jpg", "photo.JPEG", "anim.gif", "pic.webp"}


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_types_are_attached_with_their_real_type(world, thread, media_root, name):
    post = write(world.teacher, thread, files=[upload(name, ALLOWED[name], content_type="text/html")])
    attachment = post.attachments.get()
    # Images are encoded again without their metadata, so their size is the new one's.
    assert attachment.name == name and attachment.size == attachment.file.size
    if name not in IMAGES:
        assert attachment.size == len(ALLOWED[name])
    assert attachment.content_type != "text/html"  # what the browser claimed does not count
    assert attachment.file.name.startswith("discussions/") and name not in attachment.file.name
    assert len(stored_files(media_root)) == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40),  # a Windows program
        ("cat.png", b"<!doctype html><script>alert(1)</script>"),
        ("cat.jpg", PNG),
        ("cat.webp", b"RIFF\x24\x00\x00\x00AVI LIST"),
        ("lesson.docx", PDF),
        ("notes.txt", b"binary\x00inside"),
        ("notes.txt", b"\xff\xfe not utf-8 \xc3\x28"),
    ],
)
def test_a_disguised_file_refuses_the_whole_post(world, thread, media_root, name, content):
    files = [upload("fine.png", PNG), upload(name, content)]
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, "With files", files=files)
    message = " ".join(error.value.message_dict["files"])
    assert f"“{name}” is not really a" in message
    assert not Post.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "script.js", "noextension", ".png", "archive.zip"])
def test_other_types_are_refused_by_name(world, thread, name):
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, files=[upload(name, PNG)])
    assert "cannot be attached" in error.value.message_dict["files"][0]
    assert not Post.objects.exists()


def test_an_empty_file_is_refused(world, thread):
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, files=[upload("empty.txt", b"")])
    assert error.value.message_dict["files"] == ["“empty.txt” is empty."]


def test_ten_megabytes_is_the_default_limit(world, thread, media_root):
    limit = 10 * 1024 * 1024
    write(world.teacher, thread, files=[upload("big.txt", b"a" * limit)])
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, files=[upload("bigger.txt", b"a" * (limit + 1))])
    assert "“bigger.txt” is 10.0" in error.value.message_dict["files"][0]
    assert "at most 10.0" in error.value.message_dict["files"][0]
    assert Post.objects.count() == 1 and len(stored_files(media_root)) == 1


def test_the_limit_is_a_setting(world, thread, settings):
    settings.DISCUSSION_MAX_ATTACHMENT_BYTES = 100
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, files=[upload("plan.pdf", PDF + b" " * 100)])
    assert "“plan.pdf”" in error.value.message_dict["files"][0]


def test_the_sixth_file_is_one_too_many(world, thread, media_root):
    files = [upload(f"page{n}.png") for n in range(1, 7)]
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, files=files)
    assert error.value.message_dict["files"] == ["“page6.png” was not attached: a post can have at most 5 files."]
    assert not Post.objects.exists() and stored_files(media_root) == []
    post = write(world.teacher, thread, files=files[:5])
    assert post.attachments.count() == 5


def test_names_lose_folders_and_control_characters(world, thread):
    post = write(world.teacher, thread, files=[upload("..\\..\\evil\x07\nname.png")])
    assert post.attachments.get().name == "evilname.png"


def test_adding_files_later_counts_those_already_there(world, thread):
    post = write(world.teacher, thread, files=[upload(f"p{n}.png") for n in range(4)])
    with pytest.raises(ValidationError) as error:
        services.add_attachments(world.teacher, post, [upload("p4.png"), upload("p5.png")])
    assert "“p5.png” was not attached" in error.value.message_dict["files"][0]
    assert post.attachments.count() == 4


def test_deleting_a_post_removes_its_files(world, thread, media_root, django_capture_on_commit_callbacks):
    post = write(world.teacher, thread, files=[upload("a.png"), upload("b.pdf", PDF)])
    assert len(stored_files(media_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(world.teacher, post)
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


# --- downloading -------------------------------------------------------------------------------


@pytest.fixture
def attachment(world, thread):
    post = write(world.teacher, thread, files=[upload("Plan de leçon.pdf", PDF)])
    return post.attachments.get()


@pytest.mark.parametrize("who", ["teacher", "parent", "principal"])
def test_readers_download_as_a_file_never_inline(world, login, attachment, who):
    response = login(getattr(world, who)).get(reverse("discussions:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Plan%20de%20le%C3%A7on.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_text_file_downloads_as_utf8(world, login, thread):
    post = write(world.teacher, thread, files=[upload("notes.txt", "Привет".encode())])
    response = login(world.colleague).get(reverse("discussions:attachment", args=[post.attachments.get().pk]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("who", ["foreign_teacher", "other_teacher", "expert"])
def test_strangers_get_404(world, login, attachment, who):
    response = login(getattr(world, who)).get(reverse("discussions:attachment", args=[attachment.pk]))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, attachment):
    response = client.get(reverse("discussions:attachment", args=[attachment.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_files_of_a_deleted_post_are_gone(world, login, attachment):
    services.delete_post(world.teacher, attachment.post)
    response = login(world.teacher).get(reverse("discussions:attachment", args=[attachment.pk]))
    assert response.status_code == 404


def test_media_files_are_not_served_publicly(client, attachment):
    assert client.get("/media/" + attachment.file.name).status_code == 404
