"""Case sentences for templates: where a case stands, and what happened to it."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from halqa.cases.models import Stage
from halqa.cases.workflow import EXPLAINED

register = template.Library()


@register.simple_tag
def explain_stage(stage: str) -> str:
    return str(EXPLAINED.get(stage, ""))


@register.simple_tag
def case_event(event) -> str:
    """ "Nora moved it to Drafting: the note", or "Anonymous requester asked for help"."""
    who = event.actor.display_name if event.actor else (event.actor_label or _("Someone"))
    after = event.after or {}
    if event.verb == "case.submitted":
        return format_html("{}", _("%(who)s brought the request") % {"who": who})
    if event.verb == "case.files_added":
        count = after.get("count", 0)
        if after.get("kind") == "paper_form":
            return format_html("{}", _("%(who)s attached the scanned paper form") % {"who": who})
        sentence = ngettext("%(who)s attached %(count)s file", "%(who)s attached %(count)s files", count)
        return format_html("{}", sentence % {"who": who, "count": count})
    simple = {
        "case.member_added": _("%(who)s added someone to the working group"),
        "case.question": _("%(who)s asked a clarifying question"),
        "case.answer": _("%(who)s answered the questions"),
        "case.triaged": _("%(who)s sorted the case"),
        "case.feedback": _("%(who)s said whether the solution helps"),
        "case.planned": _("%(who)s planned the case back from its target date"),
        "case.risk_added": _("%(who)s named a risk or a resource"),
        "case.risk_handled": _("%(who)s marked a risk or a resource handled"),
        "case.preparation_added": _("%(who)s added a source to the preparation list"),
        "case.preparation_removed": _("%(who)s removed a source from the preparation list"),
        "case.prepared": _("%(who)s is prepared for the session"),
        "case.unprepared": _("%(who)s took back their prepared mark"),
        "case.session_note": _("%(who)s wrote the notes of a session"),
    }
    if event.verb == "case.draft_saved":
        sentence = _("%(who)s saved version %(version)s of the draft solution") % {
            "who": who,
            "version": after.get("version", ""),
        }
        return format_html("{}", sentence)
    if event.verb in simple:
        return format_html("{}", simple[event.verb] % {"who": who})
    stage = after.get("stage")
    label = Stage(stage).label if stage in Stage.values else stage
    sentence = _("%(who)s moved it to “%(stage)s”") % {"who": who, "stage": label}
    if after.get("note"):
        return format_html("{}: <q>{}</q>", sentence, after["note"])
    return format_html("{}", sentence)
