"""Files of a request, and the paper form a school puts in its box.

A case's files are served only here, after the case's policy: whoever may view the case gets its
files, but the scan of an anonymous requester's paper form only those who may see who asked. A file
they may not have answers 404, as a case they may not know does.

The paper form is a print page with the questions of "Ask for help": a school prints it (in the
language of its readers, `?lang=`, with its name, `?school=`) and puts it by a box in a public place;
a coordinator transcribes what comes back. A blank form holds nothing private, so anyone may open it,
someone without an account included; only a school the visitor may see is named on it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from halqa.accounts.choices import Grade, Subject
from halqa.discussions.uploads import file_response
from halqa.orgs.queries import schools_visible_to

from . import queries
from .access import case_access
from .models import RequesterGroup, Urgency

LANGUAGES = dict(settings.LANGUAGES)


@login_required
@require_GET
def download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A file of a case, only for people who may see it, always as a download."""
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    attachment = queries.visible_attachments(case, can).filter(pk=file_pk).first()
    if attachment is None:
        raise Http404
    return file_response(attachment)


@require_GET
def paper_form(request: HttpRequest) -> HttpResponse:
    """The printable request form: `?lang=` prints it in another language than the page's, and
    `?school=<id>` prints the name of a school the visitor may see (any other id: 404)."""
    language = request.GET.get("lang", "")
    if language not in LANGUAGES:
        language = translation.get_language()
    school = None
    school_id = request.GET.get("school", "")
    if school_id:
        if not request.user.is_authenticated or not school_id.isdigit() or len(school_id) > 18:
            raise Http404
        school = schools_visible_to(request.user).filter(pk=int(school_id)).first()
        if school is None:
            raise Http404
    with translation.override(language):
        context = {
            "school": school,
            "form_language": language,
            "languages": settings.LANGUAGES,
            "groups": RequesterGroup.choices,
            "urgencies": Urgency.choices,
            "subjects": Subject.choices,
            "grades": Grade.choices,
            "lines": {"happened": range(8), "tried": range(5), "wanted": range(5)},
        }
        response = render(request, "cases/paper_form.html", context)
        response["Content-Language"] = language
    return response
