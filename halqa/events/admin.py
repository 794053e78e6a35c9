from django.contrib import admin

from halqa.core.admin import ReadOnlyAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only."""

    list_display = ("at", "actor_label", "verb", "target_label", "community_id", "school_id", "ip")
    list_filter = ("verb",)
    search_fields = ("actor_label", "target_label")
    date_hierarchy = "at"
    list_select_related = False
