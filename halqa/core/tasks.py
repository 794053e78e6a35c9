"""Background delivery of any email the site sends, so a slow mail server never slows a page."""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(subject: str, body: str, to: list[str], html: str = "", from_email: str | None = None) -> None:
    message = EmailMultiAlternatives(subject, body, from_email=from_email, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
