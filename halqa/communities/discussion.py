"""The community's discussion: who reads, writes, moderates and can be mentioned (rules.py decides)."""

from __future__ import annotations

from django.db.models import QuerySet

from halqa.accounts.models import User

from . import rules
from .models import Community
from .queries import community_members


class CommunityDiscussionPolicy:
    def can_read(self, user, host: Community) -> bool:
        return rules.READ_DISCUSSION in rules.permissions_for(user, host)

    def can_post(self, user, host: Community) -> bool:
        return rules.POST in rules.permissions_for(user, host)

    def can_moderate(self, user, host: Community) -> bool:
        return rules.MANAGE_MEMBERS in rules.permissions_for(user, host)

    def mentionable(self, user, host: Community) -> QuerySet[User]:
        """The members `user` sees listed (queries.community_members): guests only for themselves
        and for those who manage members."""
        members = community_members(user, host).order_by()
        return User.objects.filter(pk__in=members.values("user_id"), is_active=True)

    def url(self, host: Community) -> str:
        return host.get_absolute_url()

    def title(self, host: Community) -> str:
        return host.name
