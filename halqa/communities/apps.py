from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "halqa.communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        from halqa.discussions import registry

        from .discussion import CommunityDiscussionPolicy
        from .models import Community

        registry.register(Community, CommunityDiscussionPolicy())
