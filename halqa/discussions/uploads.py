"""Which files may be attached to a post, checked by name, size and real content.

An extension alone proves nothing (an .exe renamed .pdf, a web page renamed .png), so each allowed
type also has to start with its own signature ("magic bytes"); a text file has to be UTF-8 without
NUL bytes. The stored content type comes from this table, never from what the browser claimed.

Two kinds get a closer look, because what they carry reaches other members:

- Images are decoded and encoded again, so only their pixels are kept: no EXIF (a phone photo's GPS
  position, the camera's serial number), no XMP, no comments or text chunks, no ICC profile (its
  colours are converted to sRGB first). The orientation a camera recorded is applied to the pixels
  before the EXIF goes. An image with more than MAX_IMAGE_PIXELS pixels (all frames together) is
  refused before it is decoded: a few kilobytes can claim gigapixels ("decompression bomb").
- Office files are ZIP packages: a .docx, .xlsx or .pptx must be a real Office Open XML package (its
  [Content_Types].xml names the main part of that kind, which is there, and no macros), an .odt,
  .ods or .odp a real OpenDocument package (its first member, `mimetype`, says which). Every member
  is unpacked once to count its real size and check its CRC: at most MAX_PACKAGE_PARTS members,
  MAX_UNPACKED_BYTES in all, and none compressed more than MAX_COMPRESSION_RATIO to 1 ("zip bomb").

File names keep the zero-width non-joiner and joiner that Persian (and other scripts) write inside
words; other invisible format characters, such as the right-to-left override that can disguise an
extension, are dropped.
"""

from __future__ import annotations

import codecs
import io
import logging
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from PIL import Image, ImageCms, ImageOps, ImageSequence

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_NAME_LENGTH = 200
ZIP = b"PK\x03\x04"
JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner: letters' business, not control

MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel photo, or e.g. 200 frames of 500 × 500
MAX_PACKAGE_PARTS = 5_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # Apache POI's default guard; only members unpacking to over 1 MB count
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


def _starts_with(signature: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(signature)


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


@dataclass(frozen=True)
class FileKind:
    content_type: str
    looks_right: Callable[[bytes], bool] | None  # None: checked by reading the whole file (text)


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("application/pdf", _starts_with(b"%PDF-")),
    "png": FileKind("image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    "jpg": FileKind("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    "jpeg": FileKind("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    "gif": FileKind("image/gif", _starts_with(b"GIF8")),
    "webp": FileKind("image/webp", _is_webp),
    "txt": FileKind("text/plain", None),
    "docx": FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _starts_with(ZIP)),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _starts_with(ZIP)),
    "pptx": FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", _starts_with(ZIP)),
    "odt": FileKind("application/vnd.oasis.opendocument.text", _starts_with(ZIP)),
    "ods": FileKind("application/vnd.oasis.opendocument.spreadsheet", _starts_with(ZIP)),
    "odp": FileKind("application/vnd.oasis.opendocument.presentation", _starts_with(ZIP)),
}
ALLOWED_EXTENSIONS = ", ".join(sorted(KINDS))


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    extension: str
    size: int
    content_type: str


def max_bytes() -> int:
    return int(getattr(settings, "DISCUSSION_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


def clean_name(raw: str | None) -> str:
    """The file's own name without folders or control characters (the joiners of Persian words
    stay), short enough to store."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" or ch in JOINERS)
    name = " ".join(name.split()).strip(". ") or "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_NAME_LENGTH - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and keep > 0 else name[:MAX_NAME_LENGTH]
    return name


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _is_utf8_text(upload: UploadedFile) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _content_matches(upload: UploadedFile, kind: FileKind) -> bool:
    upload.seek(0)
    try:
        if kind.looks_right is None:
            return _is_utf8_text(upload)
        return kind.looks_right(upload.read(16))
    finally:
        upload.seek(0)


# --- Images: decoded and encoded again, pixels only ----------------------------------------------------

IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
# What a frame keeps of what the decoder read: how to show it, nothing about where it came from.
KEPT_IMAGE_INFO = ("transparency", "duration", "loop", "background", "disposal")


def _too_many_pixels(name: str) -> ValidationError:
    limit = MAX_IMAGE_PIXELS // 1_000_000
    message = ngettext(
        "“%(name)s” cannot be attached: an image can have at most %(limit)s megapixel (all its frames together).",
        "“%(name)s” cannot be attached: an image can have at most %(limit)s megapixels (all its frames together).",
        limit,
    )
    return ValidationError(message % {"name": name, "limit": limit}, code="image_too_large")


def _unreadable_image(name: str, extension: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” could not be read as a .%(extension)s image; it may be damaged.")
        % {"name": name, "extension": extension},
        code="image_damaged",
    )


def _to_srgb(frame: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The frame's colours in sRGB, so its own profile can go without changing how it looks."""
    if not icc_profile or frame.mode not in ("RGB", "RGBA", "CMYK"):
        return frame
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        output_mode = "RGBA" if frame.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(frame, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return frame  # a profile we cannot read: the pixels as they are
    return converted if converted is not None else frame


def _bare(frame: Image.Image, icc_profile: bytes | None = None, *, copy: bool = True) -> Image.Image:
    """The frame (a copy of it, unless `copy` is false) with only the information needed to show it."""
    kept = {key: frame.info[key] for key in KEPT_IMAGE_INFO if key in frame.info}
    bare = _to_srgb(frame, icc_profile)
    if bare is frame and copy:
        bare = frame.copy()
    bare.info = kept
    return bare


def _reencoded(image: Image.Image, image_format: str, head: bytes) -> list[Image.Image]:
    """The frames to save: pixels, and what showing them needs."""
    icc_profile = image.info.get("icc_profile")
    if getattr(image, "n_frames", 1) > 1:
        frames = [_bare(frame) for frame in ImageSequence.Iterator(image)]  # copies: seeking reuses the image
    else:
        # The orientation the camera recorded becomes the pixels' own before the EXIF goes; in place,
        # so a large photo is held in memory twice at most, not three times.
        ImageOps.exif_transpose(image, in_place=True)
        frames = [_bare(image, icc_profile, copy=False)]
    return frames


def _encoded(frames: list[Image.Image], image_format: str, head: bytes, quality: int) -> bytes:
    first, rest = frames[0], frames[1:]
    options: dict = {}
    if rest:
        options.update(
            save_all=True, append_images=rest, duration=[frame.info.get("duration", 100) for frame in frames]
        )
        if "loop" in first.info:
            options["loop"] = first.info["loop"]
    if image_format == "JPEG":
        options.update(quality=quality, optimize=True)
        if first.mode not in ("RGB", "L", "CMYK"):
            first = first.convert("RGB")
    elif image_format == "WEBP":
        options.update(lossless=head[12:16] == b"VP8L", quality=quality)
    output = io.BytesIO()
    first.save(output, format=image_format, **options)
    return output.getvalue()


def _clean_image(upload: UploadedFile, name: str, extension: str) -> bytes:
    """The image encoded again without metadata, or a ValidationError (too large, unreadable)."""
    image_format = IMAGE_FORMATS[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[image_format]) as image:
                width, height = image.size
                if width * height * getattr(image, "n_frames", 1) > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(name)
                image.load()
                frames = _reencoded(image, image_format, head)
                content = _encoded(frames, image_format, head, quality=90)
                if len(content) > max_bytes() and image_format in ("JPEG", "WEBP"):
                    content = _encoded(frames, image_format, head, quality=75)  # to stay under the limit
                return content
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except Exception as error:  # a damaged or hostile file can fail in any decoder: never a 500
        logger.info("Refused an image that could not be decoded: %r", error)
        raise _unreadable_image(name, extension) from None
    finally:
        upload.seek(0)


# --- Office packages: real OOXML or ODF, and no zip bombs ---------------------------------------------

OOXML_MAIN_PARTS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
OOXML_MACROS = "application/vnd.ms-office.vbaProject"
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
ODF_EXTENSIONS = ("odt", "ods", "odp")


class NotThisKind(Exception):
    """The package is not what its extension says."""


def _content_types(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> ElementTree.Element:
    info = members.get("[content_types].xml")
    if info is None or info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise NotThisKind
    text = archive.read(info)
    # UTF-8 without a DTD, as OPC requires: no entity can be declared, so none can expand.
    if b"\x00" in text or b"<!DOCTYPE" in text.upper():
        raise NotThisKind
    try:
        text.decode("utf-8")
        return ElementTree.fromstring(text)  # noqa: S314 (no DTD, at most MAX_CONTENT_TYPES_BYTES)
    except (UnicodeDecodeError, ElementTree.ParseError):
        raise NotThisKind from None


def _check_ooxml(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], extension: str) -> None:
    """[Content_Types].xml names the main part of this kind (word/document.xml for a .docx, as Word
    writes it), that part is in the package, and nothing in it is a macro project."""
    types = _content_types(archive, members)
    overrides = {
        item.get("PartName", "").lstrip("/").lower(): item.get("ContentType", "")
        for item in types.iter(f"{CONTENT_TYPES_NS}Override")
    }
    defaults = {item.get("ContentType", "") for item in types.iter(f"{CONTENT_TYPES_NS}Default")}
    main_parts = [part for part, content_type in overrides.items() if content_type == OOXML_MAIN_PARTS[extension]]
    if len(main_parts) != 1 or main_parts[0] not in members:
        raise NotThisKind
    if (
        OOXML_MACROS in defaults
        or OOXML_MACROS in overrides.values()
        or any(part.endswith("vbaproject.bin") for part in members)
    ):
        raise NotThisKind  # a macro-enabled document (.docm) wearing the name of one without macros


def _check_odf(archive: zipfile.ZipFile, first: zipfile.ZipInfo, members: dict[str, zipfile.ZipInfo], kind) -> None:
    """The first member is `mimetype`, stored uncompressed, holding this kind's media type; the
    manifest is there."""
    if first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED or first.file_size > 100:
        raise NotThisKind
    if archive.read(first) != kind.content_type.encode("ascii") or "meta-inf/manifest.xml" not in members:
        raise NotThisKind


def _package_refusal(name: str, code: str) -> ValidationError:
    if code == "package_parts":
        message = ngettext(
            "“%(name)s” cannot be attached: a document can hold at most %(limit)s part.",
            "“%(name)s” cannot be attached: a document can hold at most %(limit)s parts.",
            MAX_PACKAGE_PARTS,
        ) % {"name": name, "limit": MAX_PACKAGE_PARTS}
    elif code == "package_size":
        message = _("“%(name)s” cannot be attached: it would unpack to more than %(limit)s.") % {
            "name": name,
            "limit": filesizeformat(MAX_UNPACKED_BYTES),
        }
    elif code == "package_ratio":
        message = _(
            "“%(name)s” cannot be attached: it is compressed far more tightly than a real document "
            "(more than %(ratio)s to 1)."
        ) % {"name": name, "ratio": MAX_COMPRESSION_RATIO}
    else:
        message = _("“%(name)s” is protected with a password; remove the password and attach it again.") % {
            "name": name
        }
    return ValidationError(message, code=code)


def _check_package(upload: UploadedFile, name: str, extension: str, kind) -> None:
    """Raise ValidationError unless the upload is a sound package of its kind (see the module's doc)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if not infos:
                raise NotThisKind
            if len(infos) > MAX_PACKAGE_PARTS:
                raise _package_refusal(name, "package_parts")
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise _package_refusal(name, "package_size")
            for info in infos:
                if info.flag_bits & 0x1:
                    raise _package_refusal(name, "package_encrypted")
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
                    raise _package_refusal(name, "package_ratio")
            members = {info.filename.lower(): info for info in infos}
            if extension in OOXML_MAIN_PARTS:
                _check_ooxml(archive, members, extension)
            else:
                _check_odf(archive, infos[0], members, kind)
            # The sizes above are what the package claims; unpacking once counts the real ones (the
            # reader stops at the claimed size, and a CRC that does not match raises BadZipFile).
            unpacked = 0
            for info in infos:
                with archive.open(info) as member:
                    while chunk := member.read(256 * 1024):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise _package_refusal(name, "package_size")
    except ValidationError:
        raise
    except (NotThisKind, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, KeyError):  # fmt: skip
        raise _mismatch(name, extension) from None
    finally:
        upload.seek(0)


def _mismatch(name: str, extension: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not really a .%(extension)s file: its content does not match its name.")
        % {"name": name, "extension": extension},
        code="file_content",
    )


def check_file(upload: UploadedFile) -> CheckedFile:
    """The file with its safe name and real type, or a ValidationError that names it."""
    name = clean_name(getattr(upload, "name", ""))
    extension = _extension(name)
    kind = KINDS.get(extension)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” cannot be attached: only these file types can (%(types)s).")
            % {"name": name, "types": ALLOWED_EXTENSIONS},
            code="file_type",
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    if size > max_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file can be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
            code="file_size",
        )
    if not _content_matches(upload, kind):
        raise _mismatch(name, extension)
    checked = CheckedFile(upload=upload, name=name, extension=extension, size=size, content_type=kind.content_type)
    if extension in OOXML_MAIN_PARTS or extension in ODF_EXTENSIONS:
        _check_package(upload, name, extension, kind)
    elif extension in IMAGE_FORMATS:
        content = _clean_image(upload, name, extension)
        if len(content) > max_bytes():  # encoded again, it can come out larger than it went in
            raise ValidationError(
                _("“%(name)s” is %(size)s; a file can be at most %(limit)s.")
                % {"name": name, "size": filesizeformat(len(content)), "limit": filesizeformat(max_bytes())},
                code="file_size",
            )
        cleaned = SimpleUploadedFile(name, content, content_type=kind.content_type)
        checked = replace(checked, upload=cleaned, size=len(content))
    return checked


# What check_files says of a file past the limit; another host of files (a case) passes its own.
TOO_MANY_FOR_A_POST = ngettext_lazy(
    "“%(name)s” was not attached: a post can have at most %(limit)s file.",
    "“%(name)s” was not attached: a post can have at most %(limit)s files.",
    "limit",
)


def check_files(
    uploads: Iterable[UploadedFile],
    *,
    already_attached: int = 0,
    limit: int = MAX_ATTACHMENTS,
    too_many=TOO_MANY_FOR_A_POST,
) -> list[CheckedFile]:
    """Check every file; raise one ValidationError listing every problem, so nothing is half-saved.
    At most `limit` files in all with the `already_attached` ones; `too_many` (a lazy ngettext with
    %(name)s and %(limit)s, "limit" its number) names a file past the limit."""
    checked, errors = [], []
    for position, upload in enumerate(uploads):
        if already_attached + position >= limit:
            name = clean_name(getattr(upload, "name", ""))
            errors.append(ValidationError(too_many % {"name": name, "limit": limit}, code="file_count"))
            continue
        try:
            checked.append(check_file(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


def file_response(attachment, *, inline: bool = False, cache: str = "private, no-store"):
    """Serve a checked attachment (a post's, a case's, a product's) as its stored type, never
    sniffed into another; a download unless `inline`; 404 when its file has gone from storage."""
    from django.http import FileResponse, Http404

    try:
        handle = attachment.file.open("rb")
    except OSError as error:
        raise Http404(_("This file is no longer available.")) from error
    content_type = attachment.content_type + ("; charset=utf-8" if attachment.content_type == "text/plain" else "")
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response


def remove_stored(model, names) -> None:
    """Delete stored files of `model`'s `file` field; a file that will not go is only logged (its row
    is gone either way; a stray file is only disk space)."""
    storage = model._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not remove %s file %s", model._meta.label, name)


def store_checked(checked, build: Callable[[CheckedFile], object]) -> list:
    """Save checked files under random names as the rows `build(item)` makes (unsaved, with a `file`
    field); if storing fails part way, the files already written are removed and the error raised."""
    import uuid

    stored: list = []
    try:
        for item in checked:
            attachment = build(item)
            attachment.file.save(f"{uuid.uuid4().hex}.{item.extension}", item.upload, save=False)
            stored.append(attachment)
            attachment.save()
    except Exception:
        if stored:
            remove_stored(type(stored[0]), [attachment.file.name for attachment in stored])
        raise
    return stored
