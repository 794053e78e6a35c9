"""The community's discussion: who reads, writes, moderates and can be mentioned.

The access layer decides (`access.community_access`); its answer is computed once per request, so
asking it for each of these questions costs nothing more."""

from __future__ import annotations

from django.db.models import QuerySet

from halqa.accounts.models import User

from .access import community_access
from .models import Community, Role
from .queries import community_members


class CommunityDiscussionPolicy:
    def can_read(self, user, host: Community) -> bool:
        return community_access.allowed(user, host).read_discussion

    def can_post(self, user, host: Community) -> bool:
        return community_access.allowed(user, host).post

    def can_moderate(self, user, host: Community) -> bool:
        return community_access.allowed(user, host).manage_members

    def mentionable(self, user, host: Community) -> QuerySet[User]:
        """The members `user` sees listed (queries.community_members), guests left out: a mention
        shows the person's name to every reader of the discussion, and not every reader may know a
        guest (a parent or a student). A guest is answered by replying to their post."""
        members = community_members(user, host).order_by().exclude(role=Role.GUEST)
        return User.objects.filter(pk__in=members.values("user_id"), is_active=True)

    def url(self, host: Community) -> str:
        return host.get_absolute_url()

    def title(self, host: Community) -> str:
        return host.name
