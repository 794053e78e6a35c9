"""A community meeting from the schedule to the action item, in Persian and in English (issue 12).

The facilitator schedules an announced meeting; a member signs up on the meeting page, adds a source
to its reading list and marks themself prepared; the facilitator sees who is prepared, takes
attendance, writes the minutes and gives the member an action item, which then sits on the member's
home page. Built on the test's own small world (no demo load), so each language runs in seconds.
Screenshots of each step in test-artifacts/screenshots.
"""

import datetime as dt
import zoneinfo

import pytest

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

WORDS = {
    # language: (zone, title, source, note, minutes, action)
    "fa": (
        "Asia/Tehran",
        "حلقهٔ برگهٔ خروج",
        "برگه‌های خروج کوتاه",
        "پیش از جلسه بخوانید.",
        "همه تجربه‌های خود را گفتند.",
        "نمونه‌ها را برای جلسهٔ بعد بیاور",
    ),
    "en": (
        "Europe/London",
        "Exit tickets circle",
        "Short exit tickets",
        "Read before we meet.",
        "Everyone shared what they tried.",
        "Bring three samples next time",
    ),
}


def submit(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"main form[action$='{action}'] button[type=submit]")
    assert page.locator(".message-error").count() == 0, page.locator("main").inner_text()[:500]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_a_community_meeting_from_schedule_to_action_item(
    world, live_server, new_context, sign_in, sign_out, switch_language, screenshot, language
):
    from halqa.accounts.tests.factories import PASSWORD
    from halqa.communities.models import Role
    from halqa.communities.tests.factories import CommunityFactory
    from halqa.meetings.models import ActionItem, Meeting, Participant

    zone, title, source, note, minutes, action = WORDS[language]
    facilitator, member = world.colleague, world.expert
    community = CommunityFactory(school=world.school, facilitator=facilitator, members={Role.MEMBER: [member]})
    page = new_context().new_page()

    # The facilitator schedules a meeting starting in a few minutes (so attendance can be taken).
    sign_in(page, live_server, facilitator.email, PASSWORD)
    switch_language(page, language)
    page.goto(f"{live_server.url}/meetings/new/community/{community.pk}/")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "fa" else "ltr")
    start = (dt.datetime.now(zoneinfo.ZoneInfo(zone)) + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    page.fill("#id_title", title)
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_timezone", zone)
    page.fill("#id_place", "Room 12")
    page.select_option("#id_repeat", "")  # the form offers the community's cadence; one meeting here
    if not page.is_checked("#id_announced"):
        page.check("#id_announced")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".message-error").count() == 0, page.locator("main").inner_text()[:500]
    meeting = Meeting.objects.get(community=community)
    meeting_url = f"{live_server.url}/meetings/{meeting.pk}/"
    assert page.url.startswith(meeting_url)
    screenshot(page, f"meeting_scheduled_{language}.png")
    sign_out(page)

    # A member signs up, adds a source with a note, and marks themself prepared.
    sign_in(page, live_server, member.email, PASSWORD)
    switch_language(page, language)
    page.goto(meeting_url)
    submit(page, "/sign-up/")
    page.fill("#id_title", source)
    page.fill("#id_url", "https://example.org/exit-tickets")
    page.fill("#id_note", note)
    submit(page, "/preparation/")
    assert page.locator("#reading-list a[href='https://example.org/exit-tickets']").inner_text() == source
    assert note in page.locator("#reading-list").inner_text()
    submit(page, "/prepared/")
    assert Participant.objects.get(meeting=meeting, user=member).prepared_at is not None
    screenshot(page, f"meeting_prepared_{language}.png")
    sign_out(page)

    # The facilitator sees who is prepared, takes attendance, writes minutes and an action item.
    sign_in(page, live_server, facilitator.email, PASSWORD)
    page.goto(meeting_url)
    assert source in page.locator("#preparation").inner_text()
    page.check(f"main form[action$='/attendance/'] input[name=present][value='{member.pk}']")
    submit(page, "/attendance/")
    page.fill("#id_notes", minutes)
    submit(page, "/minutes/")
    page.fill("#id_text", action)
    page.select_option("main form[action$='/actions/'] select[name=owner]", str(member.pk))
    submit(page, "/actions/")
    assert Participant.objects.get(meeting=meeting, user=member).attended is True
    assert ActionItem.objects.get(meeting=meeting).owner == member
    assert minutes in page.locator("#minutes").inner_text()
    screenshot(page, f"meeting_minutes_{language}.png")
    sign_out(page)

    # The action item waits on the member's home page.
    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/")
    assert action in page.locator("main").inner_text()
    screenshot(page, f"meeting_action_on_home_{language}.png")
