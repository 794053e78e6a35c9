"""A community's planning defaults: how many working days each stage of a case takes here.

Reverse planning (`halqa.cases.planning`) walks back from a case's target date over these
durations; a community that has set none uses the defaults of `DEFAULT_DAYS`. The facilitators
change them (the same right as changing the community's settings and charter) on a small page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.cases.models import Stage
from halqa.cases.planning import DEFAULT_DAYS, MAX_STAGE_DAYS, PLANNED_STAGES, stage_days
from halqa.events import record
from halqa.events.models import Verb

from .access import community_access
from .models import Community
from .rules import EDIT_CHARTER


def stage_days_for(community: Community | None) -> dict[str, int]:
    """Working days per planned stage for cases of `community` (the defaults without one)."""
    return stage_days(community.stage_days if community is not None else None)


@transaction.atomic
def set_stage_days(community: Community, *, actor: User, days: dict[str, int]) -> Community:
    """Store the community's durations; a stage given its default is stored as "use the default"."""
    community_access.allowed(actor, community).need(EDIT_CHARTER)
    from django.core.exceptions import ValidationError

    unknown = set(days) - set(PLANNED_STAGES)
    if unknown:
        raise ValidationError({"days": _("Give days for the stages of a case only.")})
    for stage, value in days.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STAGE_DAYS:
            raise ValidationError({stage: _("Give from 0 to %(max)s working days.") % {"max": MAX_STAGE_DAYS}})
    locked = Community.objects.select_for_update().get(pk=community.pk)
    before = stage_days(locked.stage_days)
    locked.stage_days = {stage: value for stage, value in sorted(days.items()) if DEFAULT_DAYS[stage] != value}
    locked.save(update_fields=["stage_days", "updated_at"])
    after = stage_days(locked.stage_days)
    changed = sorted(stage for stage in PLANNED_STAGES if before[stage] != after[stage])
    record(
        Verb.COMMUNITY_UPDATED,
        actor=actor,
        target=locked,
        community=locked,
        before={"stage_days": {stage: before[stage] for stage in changed}},
        after={"stage_days": {stage: after[stage] for stage in changed}},
    )
    return locked


class StageDaysForm(forms.Form):
    def __init__(self, *args, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for stage in PLANNED_STAGES:
            self.fields[stage] = forms.IntegerField(
                label=Stage(stage).label,
                min_value=0,
                max_value=MAX_STAGE_DAYS,
                initial=current[stage],
                help_text=_("Default: %(days)s") % {"days": DEFAULT_DAYS[stage]},
            )


@login_required
def stage_days_edit(request: HttpRequest, pk: int) -> HttpResponse:
    community, can = community_access.get(request.user, pk)
    can.need(EDIT_CHARTER)
    form = StageDaysForm(request.POST or None, current=stage_days_for(community))
    if request.method == "POST" and form.is_valid():
        set_stage_days(community, actor=request.user, days=dict(form.cleaned_data))
        messages.success(request, _("The planning defaults were saved."))
        return redirect(community)
    context = {
        "community": community,
        "form": form,
        "title": _("Planning defaults"),
        "intro": _(
            "How many working days each stage of a case usually takes in this community. Plans keep "
            "half of each (rounded up) and pool the rest into one buffer before the target date."
        ),
    }
    return render(request, "communities/form.html", context, status=400 if request.method == "POST" else 200)
