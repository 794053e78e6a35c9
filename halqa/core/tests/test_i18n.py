"""Four languages: complete catalogs, right-to-left where it belongs, and the choice remembered."""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "halqa" / "locale"
TRANSLATED = ["ar", "fa", "ru"]


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def missing(po: polib.POFile) -> list[str]:
    gaps = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            gaps.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                gaps.append(entry.msgid)
        elif not entry.msgstr:
            gaps.append(entry.msgid)
    return gaps


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated(language):
    po = catalog(language)
    gaps = missing(po)
    print(f"i18n: {language} {len(po) - len(gaps)}/{len(po)} translated")
    assert not gaps, f"{len(gaps)} strings lack a {language} translation, e.g. {gaps[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_all_languages_have_the_same_strings_as_english(language):
    english = {(e.msgctxt, e.msgid) for e in catalog("en") if not e.obsolete}
    other = {(e.msgctxt, e.msgid) for e in catalog(language) if not e.obsolete}
    assert english == other, f"out of step with en: {sorted(english ^ other)[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalog_matches_the_source(language):
    po = catalog(language)
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for entry in po.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            if compiled._catalog.get((key, 0)) != entry.msgstr_plural[0]:
                stale.append(entry.msgid)
        elif compiled._catalog.get(key) != entry.msgstr:
            stale.append(entry.msgid)
    assert not stale, f"django.mo for {language} is stale (run `make messages`): {stale[:5]}"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_catalogs_contain_every_string_in_the_source(tmp_path):
    """Run makemessages on a copy of the code: nothing new may appear that the catalog lacks."""
    source = Path(settings.BASE_DIR) / "halqa"
    copy = tmp_path / "halqa"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "static"))
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "halqa.settings"}
    manage = Path(settings.BASE_DIR) / "manage.py"
    subprocess.run(
        [os.sys.executable, str(manage), "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    known = {(e.msgctxt, e.msgid) for e in catalog("en")}
    absent = sorted(fresh - known, key=str)
    assert not absent, f"{len(absent)} strings missing from the catalogs (run `make messages`): {absent[:5]}"


@pytest.mark.django_db
@pytest.mark.parametrize("language,direction", [("en", "ltr"), ("ar", "rtl"), ("fa", "rtl"), ("ru", "ltr")])
def test_pages_declare_language_and_direction(client, world, language, direction):
    world.teacher.preferred_language = language
    world.teacher.save()
    client.force_login(world.teacher)
    html = client.get("/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html


@pytest.mark.django_db
def test_anonymous_visitor_choice_is_kept_in_a_cookie(client):
    response = client.post(reverse("set_language"), {"language": "fa", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fa"
    assert '<html lang="fa" dir="rtl">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_signed_in_choice_is_saved_on_the_profile(client, world):
    client.force_login(world.teacher)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    world.teacher.refresh_from_db()
    assert world.teacher.preferred_language == "ru"
    # a new session (another browser) opens in Russian too
    client.logout()
    client.cookies.clear()
    client.force_login(world.teacher)
    assert '<html lang="ru" dir="ltr">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_unknown_language_changes_nothing(client, world):
    client.force_login(world.teacher)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    world.teacher.refresh_from_db()
    assert world.teacher.preferred_language == "en"


@pytest.mark.django_db
def test_dates_are_shown_in_the_readers_calendar(client, world):
    world.teacher.calendar = "jalali"
    world.teacher.time_zone = "Asia/Tehran"
    world.teacher.save()
    client.force_login(world.teacher)
    html = client.get(reverse("accounts:person", args=[world.teacher.pk])).content.decode()
    assert " SH</time>" in html or " ش</time>" in html


def library_error_messages() -> set[str]:
    """Every error sentence Django's forms, validators and models and DRF's fields say by default
    (as msgids: read with translation switched off)."""
    import inspect

    from django import forms
    from django.core import validators
    from django.db import models
    from django.utils import translation
    from rest_framework import fields, relations, serializers

    lazy = []
    for module in (forms, models, fields, relations, serializers):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            for base in cls.__mro__:
                lazy.extend(getattr(base, "default_error_messages", {}).values())
    lazy.extend(getattr(cls, "message", "") for _name, cls in inspect.getmembers(validators, inspect.isclass))
    with translation.override(None):
        return {str(message) for message in lazy if message}


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_msgid_of_ours_replaces_an_error_message_of_django_or_drf(language):
    """Project catalogs win over Django's and DRF's: an `_("This field is required.")` of ours would
    change that sentence's translation on every form and endpoint. Use the library's own message."""
    theirs = library_error_messages()
    assert "This field is required." in theirs and "Not a valid string." in theirs
    clashes = [e.msgid for e in catalog(language) if not e.obsolete and not e.msgctxt and e.msgid in theirs]
    assert clashes == []
