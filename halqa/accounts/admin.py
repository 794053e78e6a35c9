"""The admin site: its models, and one way in (allauth's sign-in, with its second factor and limits)."""

from allauth.account.decorators import secure_admin_login
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


def admin_logout(request, extra_context=None):
    """Signing out of the admin is signing out of Halqa, through allauth like everywhere else."""
    from allauth.account.views import logout

    return logout(request)


# Django's own admin login form would skip the second factor and the sign-in rate limits: the
# admin's login page sends visitors to allauth's sign-in (?next= back to the admin), lets signed-in
# staff through to the admin, and answers 403 to signed-in people who are not staff.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.logout = admin_logout
