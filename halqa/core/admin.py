"""The admin shows the task queue and the outbox without their contents.

django-tasks-db's own admin lists every field of a task result, its arguments and return value
among them; Halqa's tasks receive only ids, but a task's arguments are not the admin's business, and
a traceback may quote anything. This list shows what an operator needs: which task, when, how it ended.
"""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from .models import OutboundEmail

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin list that shows rows and changes none: records kept by the code, not by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


TASK_FIELDS = (
    "id",
    "task_path",
    "status",
    "queue_name",
    "priority",
    "enqueued_at",
    "run_after",
    "started_at",
    "finished_at",
    "exception_class_path",
)


@admin.register(DBTaskResult)
class TaskResultAdmin(ReadOnlyAdmin):
    list_display = ("id", "task_path", "status", "enqueued_at", "started_at", "finished_at", "queue_name")
    list_filter = ("status", "queue_name")
    ordering = ("-enqueued_at",)
    fields = TASK_FIELDS
    readonly_fields = TASK_FIELDS


OUTBOX_FIELDS = (
    "kind",
    "recipient",
    "about_id",
    "language",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "sent_at",
    "created_at",
    "updated_at",
)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "recipient", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient",)
    fields = OUTBOX_FIELDS
    readonly_fields = OUTBOX_FIELDS

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)  # old rows may be cleared by hand
