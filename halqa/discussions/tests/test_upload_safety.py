"""What an attachment carries to other members: pixels without metadata, real office documents that do
not explode when opened, and names as their authors wrote them (halqa/discussions/uploads.py)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from halqa.discussions import services, uploads
from halqa.discussions.models import Attachment, Post

from . import files
from .conftest import upload, write

pytestmark = pytest.mark.django_db

ZWNJ = "\u200c"
PERSIAN_NAME = f"برنامه{ZWNJ}های درسی.pdf"  # "lesson plans": the non-joiner keeps ه and ه apart
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def stored_bytes(post: Post) -> bytes:
    with post.attachments.get().file.open("rb") as handle:
        return handle.read()


def refusal(world, thread, name: str, content: bytes) -> str:
    """Post the file; return the message, after checking nothing at all was kept."""
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, "With a file", files=[upload(name, content)])
    assert not Post.objects.exists() and not Attachment.objects.exists()
    return " ".join(error.value.message_dict["files"])


def assert_no_stored_files(media_root):
    assert not media_root.exists() or not [path for path in media_root.rglob("*") if path.is_file()]


# --- Images: pixels only ----------------------------------------------------------------------------


def test_a_photos_gps_position_does_not_reach_other_members(world, thread):
    original = files.photo_with_gps("JPEG")
    with Image.open(io.BytesIO(original)) as before:  # the test photo really carries them
        assert before.getexif().get_ifd(files.GPS_IFD) and "icc_profile" in before.info and "xmp" in before.info
    post = write(world.teacher, thread, files=[upload("trip.jpg", original)])
    stored = stored_bytes(post)
    with Image.open(io.BytesIO(stored)) as after:
        assert after.format == "JPEG" and after.size == (8, 6)
        assert not after.getexif()  # no EXIF at all: no GPS, no camera, no description
        assert "icc_profile" not in after.info and "xmp" not in after.info and "exif" not in after.info
    assert files.SECRET.encode() not in stored and b"PhoneMaker" not in stored
    attachment = post.attachments.get()
    assert attachment.size == len(stored) and attachment.content_type == "image/jpeg"


def test_the_cameras_orientation_is_applied_before_the_exif_goes(world, thread):
    post = write(world.teacher, thread, files=[upload("portrait.jpg", files.photo_with_gps(orientation=6))])
    with Image.open(io.BytesIO(stored_bytes(post))) as after:
        assert after.size == (6, 8)  # turned upright, as the phone showed it
        assert not after.getexif()


@pytest.mark.parametrize(
    ("name", "content"), [("chart.png", files.png_with_text()), ("pic.webp", files.photo_with_gps("WEBP"))]
)
def test_png_and_webp_lose_their_text_exif_xmp_and_profile(world, thread, name, content):
    assert files.SECRET.encode() in content or b"PhoneMaker" in content
    post = write(world.teacher, thread, files=[upload(name, content)])
    stored = stored_bytes(post)
    assert files.SECRET.encode() not in stored and b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as after:
        assert after.size == (8, 6) and not after.getexif()
        assert not {"icc_profile", "xmp", "exif", "Comment", "XML:com.adobe.xmp"} & set(after.info)
        if name.endswith(".png"):
            assert after.mode == "RGBA"  # transparency survives


def test_an_animation_stays_animated_without_its_comment(world, thread):
    post = write(world.teacher, thread, files=[upload("wave.gif", files.animated_gif(frames=3))])
    stored = stored_bytes(post)
    assert files.SECRET.encode() not in stored
    with Image.open(io.BytesIO(stored)) as after:
        assert after.n_frames == 3 and after.info.get("duration") == 120 and "comment" not in after.info
        assert after.info.get("loop") == 0  # still loops for ever


def test_a_photo_near_the_size_limit_is_encoded_more_tightly_rather_than_refused(world, thread, settings):
    noise = Image.frombytes("RGB", (300, 200), bytes(range(256)) * 703 + bytes(32))
    original = io.BytesIO()
    noise.save(original, format="JPEG", quality=70)
    tight, loose = io.BytesIO(), io.BytesIO()
    noise.save(tight, format="JPEG", quality=75, optimize=True)
    noise.save(loose, format="JPEG", quality=90, optimize=True)
    limit = (tight.tell() + loose.tell()) // 2
    assert original.tell() <= limit < loose.tell()
    settings.DISCUSSION_MAX_ATTACHMENT_BYTES = limit
    post = write(world.teacher, thread, files=[upload("noise.jpg", original.getvalue())])
    assert post.attachments.get().size <= limit


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (100_000, 100_000), (60_000, 1_000)])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(world, thread, media_root, width, height):
    message = refusal(world, thread, "huge.png", png_claiming(width, height))
    assert (
        message == "“huge.png” cannot be attached: an image can have at most 50 megapixels (all its frames together)."
    )
    assert_no_stored_files(media_root)


def test_the_pixel_limit_counts_every_frame(world, thread, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 8 * 6 * 2)
    write(world.teacher, thread, files=[upload("two.gif", files.animated_gif(frames=2))])
    Post.objects.all().delete()
    assert "cannot be attached" in refusal(world, thread, "three.gif", files.animated_gif(frames=3))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cut.jpg", files.photo_with_gps()[:200]),  # the signature, then the file stops
        ("noise.png", b"\x89PNG\r\n\x1a\n" + b"\x13" * 200),
        ("noise.gif", b"GIF89a" + b"\xff" * 100),
        ("noise.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20),
    ],
)
def test_a_damaged_image_is_refused_with_a_clear_message(world, thread, media_root, name, content):
    extension = name.rsplit(".", 1)[1]
    message = refusal(world, thread, name, content)
    assert message == f"“{name}” could not be read as a .{extension} image; it may be damaged."
    assert_no_stored_files(media_root)


# --- Office packages: real ones, and none that explode ------------------------------------------------


def any_zip() -> bytes:
    return files.package([("[Content_Types].xml", "<Types/>")])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("lesson.docx", any_zip()),  # any ZIP used to pass as .docx
        ("lesson.docx", files.package([("word/document.xml", "<document/>")])),  # no [Content_Types].xml
        ("lesson.docx", files.ooxml("xlsx")),  # a workbook wearing a document's name
        ("marks.xlsx", files.ooxml("docx")),
        ("slides.pptx", files.ooxml("docx")),
        (
            "lesson.docx",
            files.package([("[Content_Types].xml", files.content_types("word/document.xml", files.OOXML["docx"][1]))]),
        ),  # names a main part that is not there
        (
            "lesson.docx",
            files.ooxml(
                "docx",
                extra_members=[("word/vbaProject.bin", b"macro")],
                extra_types='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
            ),
        ),  # a .docm with macros, renamed
        ("lesson.odt", any_zip()),
        ("lesson.odt", files.odf("ods")),  # a spreadsheet wearing a text's name
        ("lesson.odt", files.odf("odt", stored_first=False)),  # `mimetype` must be stored, not deflated
        ("lesson.odt", files.package([("content.xml", "<x/>"), ("mimetype", files.ODF["odt"])])),  # not first
        ("lesson.docx", b"PK\x03\x04" + b"\x00" * 60),  # a signature and nothing else
    ],
)
def test_an_office_file_must_be_a_real_package_of_its_kind(world, thread, media_root, name, content):
    extension = name.rsplit(".", 1)[1]
    message = refusal(world, thread, name, content)
    assert message == f"“{name}” is not really a .{extension} file: its content does not match its name."
    assert_no_stored_files(media_root)


def test_a_zip_bomb_is_refused_by_its_compression_ratio(world, thread):
    bomb = files.ooxml("docx", extra_members=[("word/media/blank.xml", b"\x00" * (5 * 1024 * 1024))])
    assert len(bomb) < 20_000  # five megabytes in a few kilobytes
    message = refusal(world, thread, "lesson.docx", bomb)
    assert message == (
        "“lesson.docx” cannot be attached: it is compressed far more tightly than a real document (more than 100 to 1)."
    )


def test_what_a_package_unpacks_to_is_capped(world, thread, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 1000)
    content = files.ooxml("docx", extra_members=[("word/notes.xml", "x" * 2000)])
    assert "“lesson.docx” cannot be attached: it would unpack to more than 1000" in refusal(
        world, thread, "lesson.docx", content
    )


def test_the_real_unpacked_size_counts_not_the_claimed_one(world, thread, monkeypatch):
    """A package can claim small members; unpacking stops at the claim and the CRC gives it away."""
    content = bytearray(files.ooxml("docx", extra_members=[("word/notes.xml", "x" * 5000)]))
    central = content.rindex(b"PK\x01\x02")  # the last member's central directory entry
    struct.pack_into("<I", content, central + 24, 100)  # it now claims 100 bytes instead of 5000
    local = content.index(b"word/notes.xml") - 30
    struct.pack_into("<I", content, local + 22, 100)
    message = refusal(world, thread, "lesson.docx", bytes(content))
    assert "is not really a .docx file" in message


def test_a_package_with_too_many_parts_is_refused(world, thread, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PACKAGE_PARTS", 3)
    content = files.ooxml("docx", extra_members=[("word/styles.xml", "<styles/>")])
    assert refusal(world, thread, "lesson.docx", content) == (
        "“lesson.docx” cannot be attached: a document can hold at most 3 parts."
    )


def test_a_password_protected_package_is_refused(world, thread):
    content = bytearray(files.ooxml("docx"))
    for signature, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        position = content.find(signature)
        while position != -1:
            content[position + offset] |= 0x1  # the "encrypted" flag
            position = content.find(signature, position + 4)
    assert "is protected with a password" in refusal(world, thread, "lesson.docx", bytes(content))


def test_a_sound_package_is_stored_as_it_came(world, thread):
    content = files.ooxml("pptx")
    post = write(world.teacher, thread, files=[upload("slides.pptx", content)])
    assert stored_bytes(post) == content
    with zipfile.ZipFile(io.BytesIO(stored_bytes(post))) as archive:
        assert "ppt/presentation.xml" in archive.namelist()


# --- Names: as their authors wrote them ---------------------------------------------------------------


def test_a_persian_name_keeps_its_zero_width_non_joiner(world, thread):
    post = write(world.teacher, thread, files=[upload(PERSIAN_NAME, PDF)])
    assert post.attachments.get().name == PERSIAN_NAME


def test_a_persian_name_survives_the_page_form_and_the_download(world, login, thread):
    client = login(world.teacher)
    response = client.post(
        reverse("discussions:create", args=[thread.pk]), {"body": "The plans", "files": upload(PERSIAN_NAME, PDF)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    attachment = Attachment.objects.get()
    assert attachment.name == PERSIAN_NAME
    response = client.get(reverse("discussions:attachment", args=[attachment.pk]))
    assert "%E2%80%8C" in response["Content-Disposition"]  # U+200C, percent-encoded in filename*


def test_a_persian_name_survives_the_api(world, login, thread):
    post = write(world.teacher, thread, "Plans")
    client = login(world.teacher)
    response = client.post(f"/api/v1/posts/{post.pk}/attachments/", {"file": upload(PERSIAN_NAME, PDF)})
    assert response.status_code == 201, response.content
    assert response.json()["attachments"][0]["name"] == PERSIAN_NAME


def test_names_lose_invisible_characters_that_could_disguise_them(world, thread):
    """A right-to-left override shows "evil\u202egpj.pdf" as "evilfdp.jpg"; a zero-width space hides."""
    post = write(world.teacher, thread, files=[upload("evil\u202egpj\u200b.pdf", PDF)])
    assert post.attachments.get().name == "evilgpj.pdf"


def test_nothing_is_kept_when_one_file_of_several_is_refused(world, thread, media_root):
    good = [upload("a.png", files.PNG_BYTES), upload("b.docx", files.ooxml("docx"))]
    with pytest.raises(ValidationError):
        write(world.teacher, thread, "Files", files=[*good, upload("c.docx", any_zip())])
    assert not Post.objects.exists()
    assert_no_stored_files(media_root)


def test_adding_a_refused_file_later_changes_nothing(world, thread, media_root):
    post = write(world.teacher, thread, files=[upload("a.png", files.PNG_BYTES)])
    with pytest.raises(ValidationError):
        services.add_attachments(world.teacher, post, [upload("bomb.png", png_claiming(100_000, 100_000))])
    assert post.attachments.count() == 1
    assert len([path for path in media_root.rglob("*") if path.is_file()]) == 1
