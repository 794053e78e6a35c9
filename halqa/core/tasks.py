"""Background delivery of every email the site sends (see halqa.core.outbox), and housekeeping."""

from django_tasks import task


@task()
def deliver_email(outbox_id: int) -> str:
    """Deliver one outbox email. The argument is the row's id; the result is a status word."""
    from . import outbox

    return str(outbox.deliver(outbox_id))
