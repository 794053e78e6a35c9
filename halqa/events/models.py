"""The event trail: one append-only row per change a service made, and per security event of sign-in.

Who did what to which object, when, and the before/after of the state that changed. Rows are never
updated or deleted (`Event.save` on an existing row and `Event.delete` raise); the admin is
read-only. Written by `halqa.events.record` inside the service's own transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    # communities
    COMMUNITY_CREATED = "community.created", _("Community created")
    COMMUNITY_UPDATED = "community.updated", _("Community changed")
    CHARTER_EDITED = "charter.edited", _("Charter edited")
    GOAL_ADDED = "goal.added", _("Goal added")
    GOAL_UPDATED = "goal.updated", _("Goal changed")
    GOAL_DELETED = "goal.deleted", _("Goal removed")
    PROGRESS_RECORDED = "goal.progress", _("Progress recorded")
    MEMBER_INVITED = "member.invited", _("Member invited")
    INVITATION_ACCEPTED = "member.invitation_accepted", _("Invitation to a community accepted")
    INVITATION_DECLINED = "member.invitation_declined", _("Invitation to a community declined")
    JOIN_REQUESTED = "member.requested", _("Asked to join")
    REQUEST_ACCEPTED = "member.request_accepted", _("Request to join accepted")
    REQUEST_DECLINED = "member.request_declined", _("Request to join declined")
    ROLE_CHANGED = "member.role_changed", _("Role changed")
    MEMBER_REMOVED = "member.removed", _("Member removed")
    MEMBER_LEFT = "member.left", _("Member left")
    MEMBER_ACTIVITY_SET = "member.activity_set", _("Member's activity set")
    ACTIVITY_ADDED = "activity.added", _("Program activity added")
    ACTIVITY_UPDATED = "activity.updated", _("Program activity changed")
    ACTIVITY_DELETED = "activity.deleted", _("Program activity removed")
    DECISION_DRAFTED = "decision.drafted", _("Decision drafted")
    DECISION_UPDATED = "decision.updated", _("Decision draft changed")
    DECISION_DELETED = "decision.deleted", _("Decision draft deleted")
    DECISION_SIGNED = "decision.signed", _("Decision signed")
    DECISION_SUPERSEDED = "decision.superseded", _("Decision superseded")
    # cases
    CASE_SUBMITTED = "case.submitted", _("Case submitted")
    CASE_MOVED = "case.moved", _("Case moved")
    CASE_MEMBER_ADDED = "case.member_added", _("Added to a working group")
    CASE_TRIAGED = "case.triaged", _("Case sorted and assigned")
    CASE_QUESTION = "case.question", _("Clarifying question asked")
    CASE_ANSWER = "case.answer", _("Clarifying question answered")
    CASE_FEEDBACK = "case.feedback", _("Feedback given")
    CASE_PLANNED = "case.planned", _("Case planned")
    CASE_RISK_ADDED = "case.risk_added", _("Risk or resource added")
    CASE_RISK_HANDLED = "case.risk_handled", _("Risk or resource handled")
    CASE_FILES_ADDED = "case.files_added", _("Files added to a request")
    CASE_PREPARATION_ADDED = "case.preparation_added", _("Preparation source added")
    CASE_PREPARATION_REMOVED = "case.preparation_removed", _("Preparation source removed")
    CASE_PREPARED = "case.prepared", _("Marked prepared for the session")
    CASE_UNPREPARED = "case.unprepared", _("Prepared mark withdrawn")
    CASE_SESSION_NOTE = "case.session_note", _("Session notes written")
    CASE_SESSION_MOVED = "case.session_moved", _("Session date changed")
    CASE_DUE_FOLLOWS_PRODUCT = "case.due_follows_product", _("Due date follows the product's plan")
    CASE_DRAFT_SAVED = "case.draft_saved", _("Draft solution saved")
    # meetings
    MEETING_CREATED = "meeting.created", _("Meeting scheduled")
    MEETING_UPDATED = "meeting.updated", _("Meeting changed")
    MEETING_CANCELLED = "meeting.cancelled", _("Meeting cancelled")
    MEETING_INVITED = "meeting.invited", _("Invited to a meeting")
    MEETING_SIGNED_UP = "meeting.signed_up", _("Signed up for a meeting")
    MEETING_RSVP = "meeting.rsvp", _("Answered an invitation to a meeting")
    MEETING_PREPARED = "meeting.prepared", _("Marked prepared for a meeting")
    MEETING_PREPARATION_ADDED = "meeting.preparation_added", _("Source added to a meeting's preparation")
    MEETING_PREPARATION_REMOVED = "meeting.preparation_removed", _("Source removed from a meeting's preparation")
    MEETING_AGENDA = "meeting.agenda", _("Meeting agenda changed")
    MEETING_ATTENDANCE = "meeting.attendance", _("Attendance taken")
    MEETING_MINUTES = "meeting.minutes", _("Minutes written")
    MEETING_ACTION_ADDED = "meeting.action_added", _("Action item assigned")
    MEETING_ACTION_DONE = "meeting.action_done", _("Action item done")
    MEETING_ACTION_OVERDUE = "meeting.action_overdue", _("Action item overdue")
    MEETING_REMINDER_DAY = "meeting.reminder_day", _("Reminded a day before a meeting")
    MEETING_REMINDER_HOUR = "meeting.reminder_hour", _("Reminded an hour before a meeting")
    MEETING_REMINDER_DROPPED = "meeting.reminder_dropped", _("Reminder dropped: the meeting had begun")
    MEETING_FEED_RENEWED = "meeting.feed_renewed", _("Calendar feed address made")
    MEETING_FEED_STOPPED = "meeting.feed_stopped", _("Calendar feed address stopped")
    # the library
    PRODUCT_CREATED = "product.created", _("Product started")
    PRODUCT_REVISED = "product.revised", _("Product revised")
    PRODUCT_SUBMITTED = "product.submitted", _("Product submitted for review")
    PRODUCT_REVIEWER_ASSIGNED = "product.reviewer_assigned", _("Reviewer assigned")
    PRODUCT_REVIEWED = "product.reviewed", _("Product reviewed")
    PRODUCT_PUBLISHED = "product.published", _("Product published")
    PRODUCT_RETRACTED = "product.retracted", _("Product retracted")
    PRODUCT_REOPENED = "product.reopened", _("Product reopened after the requester's feedback")
    PRODUCT_RATED = "product.rated", _("Product rated")
    PRODUCT_PLAN_CHANGED = "product.plan_changed", _("Product's production plan changed")
    PRODUCT_STEP_DONE = "product.step_done", _("Production step done")
    PRODUCT_COMMENTED = "product.commented", _("Review comment written")
    PRODUCT_COMMENT_ANSWERED = "product.comment_answered", _("Review comment answered")
    PRODUCT_COMMENT_RESOLVED = "product.comment_resolved", _("Review comment resolved")
    PRODUCT_FILES_ADDED = "product.files_added", _("Files added to a product")
    PRODUCT_FILE_REMOVED = "product.file_removed", _("File removed from a product")
    RUBRIC_CHANGED = "rubric.changed", _("Review rubric changed")
    # schools and networks
    SCHOOL_UPDATED = "school.updated", _("School changed")
    NETWORK_UPDATED = "network.updated", _("Network changed")
    SCHOOL_HOLIDAY_ADDED = "school.holiday_added", _("Holiday added")
    SCHOOL_HOLIDAY_REMOVED = "school.holiday_removed", _("Holiday removed")
    SCHOOL_INVITATION_SENT = "invitation.sent", _("Invitation to a school sent")
    SCHOOL_INVITATION_RESENT = "invitation.resent", _("Invitation to a school sent again")
    SCHOOL_INVITATION_REVOKED = "invitation.revoked", _("Invitation to a school withdrawn")
    SCHOOL_INVITATION_ACCEPTED = "invitation.accepted", _("Invitation to a school accepted")
    # accounts
    PROFILE_UPDATED = "profile.updated", _("Profile changed")
    TOKEN_CREATED = "token.created", _("API token created")
    TOKEN_REVOKED = "token.revoked", _("API token revoked")
    # security events of sign-in
    SIGNED_IN = "auth.signed_in", _("Signed in")
    SIGNED_OUT = "auth.signed_out", _("Signed out")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
    AUTHENTICATOR_ADDED = "auth.authenticator_added", _("Second factor added")
    AUTHENTICATOR_REMOVED = "auth.authenticator_removed", _("Second factor removed")
    AUTHENTICATOR_RESET = "auth.authenticator_reset", _("Recovery codes renewed")
    SECOND_FACTOR_FAILED = "auth.second_factor_failed", _("Second factor failed")


SECURITY_VERBS = frozenset(v for v in Verb.values if v.startswith("auth.") or v.startswith("token."))


class AppendOnly(Exception):
    """Events are never changed or deleted."""


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("events are append-only")

    def delete(self):
        raise AppendOnly("events are append-only")


class Event(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=300, blank=True)
    # Not `choices=Verb.choices`: every new verb would need a migration copying the whole list.
    # `record` refuses an unknown verb (`Verb(verb)`) and `get_verb_display` reads the labels.
    verb = models.CharField(_("what"), max_length=40, db_index=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("object type")
    )
    target_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    target_label = models.CharField(_("object (as recorded)"), max_length=300, blank=True)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.DO_NOTHING,  # the trail outlives the community
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        db_constraint=False,
    )
    school = models.ForeignKey(
        "orgs.School",
        on_delete=models.DO_NOTHING,  # the trail outlives the school
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
        db_constraint=False,
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["community", "-at"], name="event_community_at"),
            models.Index(fields=["school", "-at"], name="event_school_at"),
            models.Index(fields=["actor", "-at"], name="event_actor_at"),
            models.Index(fields=["target_type", "target_id"], name="event_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.verb} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("events are append-only")

    def get_verb_display(self) -> str:
        try:
            return str(Verb(self.verb).label)
        except ValueError:  # a verb of an older version, no longer in the list
            return self.verb

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field the event recorded, for display."""
        before, after = self.before or {}, self.after or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            return [("", before, after)]
        keys = list(before) + [k for k in after if k not in before]
        return [(key, before.get(key), after.get(key)) for key in keys]
