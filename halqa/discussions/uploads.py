"""Which files may be attached to a post, checked by name, size and real content.

An extension alone proves nothing (an .exe renamed .pdf, a web page renamed .png), so each allowed
type also has to start with its own signature ("magic bytes"); a text file has to be UTF-8 without
NUL bytes. The stored content type comes from this table, never from what the browser claimed.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_NAME_LENGTH = 200
ZIP = b"PK\x03\x04"


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
    """The file's own name without folders or control characters, short enough to store."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
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
        raise ValidationError(
            _("“%(name)s” is not really a .%(extension)s file: its content does not match its name.")
            % {"name": name, "extension": extension},
            code="file_content",
        )
    return CheckedFile(upload=upload, name=name, extension=extension, size=size, content_type=kind.content_type)


def check_files(uploads: Iterable[UploadedFile], *, already_attached: int = 0) -> list[CheckedFile]:
    """Check every file; raise one ValidationError listing every problem, so nothing is half-saved."""
    checked, errors = [], []
    for position, upload in enumerate(uploads):
        if already_attached + position >= MAX_ATTACHMENTS:
            message = ngettext(
                "“%(name)s” was not attached: a post can have at most %(limit)s file.",
                "“%(name)s” was not attached: a post can have at most %(limit)s files.",
                MAX_ATTACHMENTS,
            )
            name = clean_name(getattr(upload, "name", ""))
            errors.append(ValidationError(message % {"name": name, "limit": MAX_ATTACHMENTS}, code="file_count"))
            continue
        try:
            checked.append(check_file(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked
