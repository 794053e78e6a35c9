"""Events for the history that predates the trail, so a community's recent activity (which now reads
the trail) keeps what it showed before: communities created, charter versions, progress updates,
people who joined, decisions signed.

Idempotent: a row that already has its event (recorded by a service, or by an earlier run) is
skipped, so running it again adds nothing. Batched: the source tables are read in slices of
`BATCH` rows with one look-up of existing events per slice, and written with bulk inserts.

A charter version and the creator's membership made together with their community (within
`SAME_MOMENT`) are told by the community's "created" event, as the services record them today.
Going back leaves the events in place: the trail is append-only.
"""

import datetime as dt

from django.db import migrations

BATCH = 500
SAME_MOMENT = dt.timedelta(minutes=1)


def _name(user) -> str:
    return (user.display_name or user.email)[:300] if user is not None else ""


def _slices(queryset):
    batch = []
    for row in queryset.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    def __init__(self, Event):
        self.Event = Event
        self.pending = []
        self.written = 0

    def add(self, **fields):
        self.pending.append(self.Event(**fields))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self):
        if self.pending:
            self.Event.objects.bulk_create(self.pending, batch_size=BATCH)
            self.written += len(self.pending)
            self.pending = []


def backfill(apps, schema_editor=None) -> int:
    """Write the missing events; return how many were written."""
    Event = apps.get_model("events", "Event")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Community = apps.get_model("communities", "Community")
    CharterRevision = apps.get_model("communities", "CharterRevision")
    GoalUpdate = apps.get_model("communities", "GoalUpdate")
    Membership = apps.get_model("communities", "Membership")
    Decision = apps.get_model("communities", "Decision")
    types = {}

    def type_id(model_name: str) -> int:
        if model_name not in types:
            types[model_name] = ContentType.objects.get_or_create(app_label="communities", model=model_name)[0].pk
        return types[model_name]

    out = _Writer(Event)

    for batch in _slices(Community.objects.select_related("created_by").order_by("pk")):
        have = set(
            Event.objects.filter(verb="community.created", community_id__in=[c.pk for c in batch]).values_list(
                "community_id", flat=True
            )
        )
        for community in batch:
            if community.pk in have:
                continue
            out.add(
                verb="community.created",
                at=community.created_at,
                actor_id=community.created_by_id,
                actor_label=_name(community.created_by),
                target_type_id=type_id("community"),
                target_id=community.pk,
                target_label=community.name[:300],
                community_id=community.pk,
                school_id=community.school_id,
            )

    revisions = CharterRevision.objects.select_related("edited_by", "community").order_by("pk")
    for batch in _slices(revisions):
        have = set(
            Event.objects.filter(
                target_type_id=type_id("charterrevision"), target_id__in=[r.pk for r in batch]
            ).values_list("target_id", flat=True)
        )
        for revision in batch:
            community = revision.community
            if revision.pk in have or abs(revision.edited_at - community.created_at) <= SAME_MOMENT:
                continue
            out.add(
                verb="charter.edited",
                at=revision.edited_at,
                actor_id=revision.edited_by_id,
                actor_label=_name(revision.edited_by),
                target_type_id=type_id("charterrevision"),
                target_id=revision.pk,
                target_label=f"{community.name} · {revision.edited_at:%Y-%m-%d %H:%M}"[:300],
                community_id=community.pk,
                school_id=community.school_id,
                after={"note": revision.note} if revision.note else None,
            )

    updates = GoalUpdate.objects.select_related("by", "goal__community").order_by("pk")
    for batch in _slices(updates):
        recorded = {}
        for goal_id, actor_id, after, at in Event.objects.filter(
            verb="goal.progress", target_type_id=type_id("goal"), target_id__in={u.goal_id for u in batch}
        ).values_list("target_id", "actor_id", "after", "at"):
            progress = after.get("progress") if isinstance(after, dict) else None
            recorded.setdefault((goal_id, actor_id, progress), []).append(at)
        for update in batch:
            times = recorded.get((update.goal_id, update.by_id, update.progress), [])
            if any(abs(at - update.at) <= SAME_MOMENT for at in times):
                continue
            goal = update.goal
            out.add(
                verb="goal.progress",
                at=update.at,
                actor_id=update.by_id,
                actor_label=_name(update.by),
                target_type_id=type_id("goal"),
                target_id=goal.pk,
                target_label=goal.title[:300],
                community_id=goal.community_id,
                school_id=goal.community.school_id,
                after={"progress": update.progress, "note": update.note},
            )

    joined = Membership.objects.filter(joined_at__isnull=False).select_related("user", "community").order_by("pk")
    for batch in _slices(joined):
        recorded = {}
        for membership_id, at in Event.objects.filter(
            verb__in=["member.invitation_accepted", "member.request_accepted"],
            target_type_id=type_id("membership"),
            target_id__in=[m.pk for m in batch],
        ).values_list("target_id", "at"):
            recorded.setdefault(membership_id, []).append(at)
        for membership in batch:
            community = membership.community
            if any(at >= membership.joined_at - SAME_MOMENT for at in recorded.get(membership.pk, [])):
                continue
            if (
                membership.user_id == community.created_by_id
                and abs(membership.joined_at - community.created_at) <= SAME_MOMENT
            ):
                continue  # the creator, told by the community's "created" event
            invited = membership.invited_by_id is not None
            out.add(
                verb="member.invitation_accepted" if invited else "member.request_accepted",
                at=membership.joined_at,
                actor_id=membership.user_id if invited else None,  # who accepted a request is not known
                actor_label=_name(membership.user) if invited else "",
                target_type_id=type_id("membership"),
                target_id=membership.pk,
                target_label=_name(membership.user),
                community_id=community.pk,
                school_id=community.school_id,
                before={"role": membership.role, "status": "invited" if invited else "requested"},
                after={"role": membership.role, "status": "active"},
            )

    signed = Decision.objects.filter(signed_at__isnull=False).select_related("community").order_by("pk")
    for batch in _slices(signed):
        have = set(
            Event.objects.filter(
                verb="decision.signed", target_type_id=type_id("decision"), target_id__in=[d.pk for d in batch]
            ).values_list("target_id", flat=True)
        )
        for decision in batch:
            if decision.pk in have:
                continue
            out.add(
                verb="decision.signed",
                at=decision.signed_at,
                actor_id=decision.signed_by_id,
                actor_label=decision.signed_by_name[:300],
                target_type_id=type_id("decision"),
                target_id=decision.pk,
                target_label=(decision.number or f"#{decision.pk}")[:300],
                community_id=decision.community_id,
                school_id=decision.community.school_id,
                before={"status": "draft"},
                after={
                    "status": "signed",
                    "verification_code": decision.verification_code,
                    "signed_by_title": decision.signed_by_title,
                    "members": len(decision.members or []),
                },
            )

    out.flush()
    return out.written


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("communities", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
