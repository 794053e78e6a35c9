from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ExpertiseTag, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["display_name"]
    list_display = ["display_name", "email", "is_active", "is_staff", "date_joined"]
    search_fields = ["display_name", "email"]
    list_filter = ["is_active", "is_staff", "roles"]
    filter_horizontal = ["roles", "subjects", "grades", "expertise", "groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profile"),
            {"fields": ["display_name", "bio", "roles", "subjects", "grades", "years_experience", "expertise"]},
        ),
        (_("Preferences"), {"fields": ["preferred_language", "time_zone", "calendar"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]


admin.site.register(ExpertiseTag)
