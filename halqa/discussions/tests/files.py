"""Real files for the upload tests, made here: images (with or without a GPS position) and office
packages (sound, disguised, or built to explode when unpacked)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

OOXML = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
ODF = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
GPS_IFD = 0x8825
SECRET = "Halqa test secret: the photographer's home"


def image(image_format: str, size=(8, 6), mode: str = "RGB", **save) -> bytes:
    picture = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    output = io.BytesIO()
    picture.save(output, format=image_format, **save)
    return output.getvalue()


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x010E] = SECRET  # ImageDescription
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (35.0, 41.0, 22.2)  # GPSLatitude: Tehran
    gps[3] = "E"
    gps[4] = (51.0, 23.0, 20.0)
    return exif


def photo_with_gps(image_format: str = "JPEG", size=(8, 6), orientation: int | None = None) -> bytes:
    """A photo as a phone saves it: EXIF with the camera and a GPS position, an ICC profile, XMP."""
    picture = Image.new("RGB", size, (200, 30, 30))
    output = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>{SECRET}</rdf:Description></x:xmpmeta>'.encode()
    extra = {"xmp": xmp} if image_format in ("JPEG", "WEBP") else {}
    picture.save(output, format=image_format, exif=exif_with_gps(orientation), icc_profile=icc, **extra)
    return output.getvalue()


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    info.add_itxt("XML:com.adobe.xmp", SECRET)
    picture = Image.new("RGBA", (8, 6), (0, 0, 255, 128))
    output = io.BytesIO()
    picture.save(output, format="PNG", pnginfo=info, exif=exif_with_gps())
    return output.getvalue()


def animated_gif(frames: int = 3, size=(8, 6)) -> bytes:
    pictures = [Image.new("RGB", size, (40 * number, 0, 255 - 40 * number)) for number in range(frames)]
    output = io.BytesIO()
    pictures[0].save(
        output, format="GIF", save_all=True, append_images=pictures[1:], duration=120, loop=0, comment=SECRET
    )
    return output.getvalue()


def package(members: list[tuple[str, bytes | str]], *, stored_first: bool = False) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for position, (name, content) in enumerate(members):
            method = zipfile.ZIP_STORED if stored_first and position == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    return output.getvalue()


def content_types(main_part: str, main_type: str, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>{extra}</Types>'
    )


def ooxml(extension: str, *, extra_members: list[tuple[str, bytes | str]] = (), extra_types: str = "") -> bytes:
    """A minimal Office Open XML package of the kind, as Word, Excel or PowerPoint lays it out."""
    main_part, main_type = OOXML[extension]
    return package(
        [
            ("[Content_Types].xml", content_types(main_part, main_type, extra_types)),
            ("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'),
            (main_part, "<document/>"),
            *extra_members,
        ]
    )


def odf(extension: str, *, media_type: str | None = None, stored_first: bool = True) -> bytes:
    """A minimal OpenDocument package: `mimetype` first and stored, then the manifest and content."""
    return package(
        [
            ("mimetype", media_type or ODF[extension]),
            (
                "META-INF/manifest.xml",
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            ),
            ("content.xml", "<office:document-content/>"),
        ],
        stored_first=stored_first,
    )


PNG_BYTES = image("PNG")
JPEG_BYTES = image("JPEG")
GIF_BYTES = image("GIF", mode="P")
WEBP_BYTES = image("WEBP")
PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def upload(name: str, content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    """A file as a browser sends it, its type claimed as octet-stream: the checks sniff the content."""
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
