from django.contrib import admin

from .models import Authority, Invitation, Membership, Network, School


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    filter_horizontal = ["admins"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "authority"]
    search_fields = ["name", "city"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "authority", "supervisor"]
    filter_horizontal = ["schools"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "position"]
    list_filter = ["position", "school"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "school", "position", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]
