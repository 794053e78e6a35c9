"""The kanban board: a column per open stage, a card per case, in a fixed number of queries.

Three boards show the same cards: a community's (the cases assigned to it), a coordinator's (the
open cases of a school they coordinate) and "my groups" (the cases whose working group the person
is in). Every board starts from `case_access.visible`, so a card is on it only if the viewer may
see the case; an anonymous requester is never named (a card shows who asked only as a requester
group). Work-in-progress limits (`BoardLimit`) belong to a community's board or a school's; the
"my groups" board crosses boards and has none. Moving a card goes through `services.move` (or
`services.move_on_board`, which adds the limit), like every other move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from halqa.communities.models import Community
from halqa.orgs.access import standing
from halqa.orgs.models import School

from . import planning, services, workflow
from .access import MOVE, _communities, case_access, coordinated_schools, group_cases_of
from .models import FINAL_STAGES, BoardLimit, Case, CaseMember, MemberRole, Stage

SCHOOL, COMMUNITY, GROUPS = "school", "community", "groups"
OPEN_STAGES: list[str] = [stage for stage in Stage.values if stage not in FINAL_STAGES]
FINAL_ORDER: list[str] = [Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN]
PER_COLUMN = 20
CARD_ORDER = (F("board_position").asc(), F("stage_changed_at").asc(), F("id").asc())
# What a move needs that only the case page's move form asks for: a board sends the person there.
ASKED_ON_THE_CASE_PAGE = frozenset({"note", "session_at"})


def needs_case_page(stage: str, to: str) -> bool:
    """Does the move from `stage` to `to` need a note or a date (asked on the case page)?"""
    step = workflow.move_between(stage, to)
    return step is not None and bool(step.needs & ASKED_ON_THE_CASE_PAGE)


# --- Which board ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    kind: str
    school: School | None = None
    community: Community | None = None
    cases: frozenset[int] = frozenset()  # the "my groups" board: the cases of the person's groups

    @property
    def key(self) -> str:
        """How forms and the API name the board: "school:3", "community:5" or "groups"."""
        if self.kind == SCHOOL:
            return f"{SCHOOL}:{self.school.pk}"
        if self.kind == COMMUNITY:
            return f"{COMMUNITY}:{self.community.pk}"
        return GROUPS

    @property
    def has_limits(self) -> bool:
        return self.kind != GROUPS

    @property
    def title(self) -> str:
        if self.kind == SCHOOL:
            return _("Board of %(school)s") % {"school": self.school.name}
        if self.kind == COMMUNITY:
            return _("Board of %(community)s") % {"community": self.community.name}
        return _("Board of my working groups")

    def get_absolute_url(self) -> str:
        if self.kind == SCHOOL:
            return f"{reverse('cases:board')}?school={self.school.pk}"
        if self.kind == COMMUNITY:
            return reverse("cases:community_board", args=[self.community.pk])
        return reverse("cases:group_board")

    def limits_url(self) -> str:
        if self.kind == SCHOOL:
            return reverse("cases:school_board_limits", args=[self.school.pk])
        return reverse("cases:community_board_limits", args=[self.community.pk])

    def scope(self) -> Q:
        """Every case of the board, whoever looks: what a column's limit is counted against."""
        if self.kind == SCHOOL:
            return Q(school_id=self.school.pk)
        if self.kind == COMMUNITY:
            return Q(community_id=self.community.pk)
        raise ValueError("the groups board has no scope of its own")

    def every_case(self) -> Q:
        """Every case of the board: its scope, or the person's groups' cases (what a column's order
        is kept among)."""
        return self.scope() if self.has_limits else Q(pk__in=sorted(self.cases))

    def limit_owner(self) -> dict:
        if self.kind == SCHOOL:
            return {"school": self.school, "community": None}
        if self.kind == COMMUNITY:
            return {"school": None, "community": self.community}
        raise ValueError("the groups board has no limits")

    def limited_by(self, case: Case) -> tuple[Q, dict] | None:
        """Which column limits a move of `case` on this board counts against, as (the cases counted,
        the BoardLimit rows' owner): the board's own, and from "my working groups" (no limits of its
        own) those of the case's community board, so that board cannot be walked around."""
        if self.has_limits:
            return self.scope(), self.limit_owner()
        if case.community_id:
            return Q(community_id=case.community_id), {"school": None, "community_id": case.community_id}
        return None

    def holds(self, case: Case) -> bool:
        if self.kind == SCHOOL:
            return case.school_id == self.school.pk
        if self.kind == COMMUNITY:
            return case.community_id == self.community.pk
        return case.pk in self.cases


def school_board(user, school_id: int | None = None) -> Board:
    """The coordinator's board of one school they coordinate (the first by name if none is chosen)."""
    schools = services.schools_coordinated_by(user).order_by("name", "pk")
    school = schools.filter(pk=school_id).first() if school_id else schools.first()
    if school is None:
        raise Http404
    return Board(SCHOOL, school=school)


def _leads_community(user, community: Community) -> bool:
    me = standing(user)
    if me.superuser:
        return True
    if community.school_id:
        return community.school_id in coordinated_schools(me) or community.school.authority_id in me.admin_of
    return community.network_id in me.supervises or community.network.authority_id in me.admin_of


def may_open_community_board(user, community: Community) -> bool:
    """A community's board is for its members (not guests, not parents or students, who follow their
    cases on the "my groups" board) and for those who coordinate its school or lead its network."""
    if not user.is_authenticated:
        return False
    member = community.pk in _communities(user) and not standing(user).only_private_roles
    return member or _leads_community(user, community)


def community_board(user, community_id: int) -> Board:
    """A community's board, for whoever `may_open_community_board` (else 404)."""
    if not user.is_authenticated:
        raise Http404
    community = Community.objects.select_related("school", "network").filter(pk=community_id).first()
    if community is None or not may_open_community_board(user, community):
        raise Http404
    return Board(COMMUNITY, community=community)


def boards_holding(user, case: Case) -> list[Board]:
    """The boards this person may open that show `case` (open cases only: a board shows the final
    stages as counts): their school's if they coordinate it, its community's, their groups'."""
    if case.is_final or not user.is_authenticated:
        return []
    boards = []
    if case_access.coordinates(standing(user), case):
        boards.append(Board(SCHOOL, school=case.school))
    if case.community_id and may_open_community_board(user, case.community):
        boards.append(Board(COMMUNITY, community=case.community))
    if case.pk in group_cases_of(user):
        boards.append(Board(GROUPS, cases=group_cases_of(user)))
    return boards


def groups_board(user) -> Board:
    if not user.is_authenticated:
        raise Http404
    return Board(GROUPS, cases=group_cases_of(user))


def board_from_key(user, key: str) -> Board:
    """The board a form or an API call names, if the person may open it (else 404)."""
    kind, _sep, ident = (key or "").partition(":")
    if kind == GROUPS and not ident:
        return groups_board(user)
    if not ident.isdigit():
        raise Http404
    if kind == SCHOOL:
        return school_board(user, int(ident))
    if kind == COMMUNITY:
        return community_board(user, int(ident))
    raise Http404


def may_set_limits(user, board: Board) -> bool:
    """Coordinators set their school board's limits; a community's facilitators (and whoever leads
    it) set its board's."""
    if board.kind == SCHOOL:
        me = standing(user)
        school = board.school
        return me.superuser or school.pk in coordinated_schools(me) or school.authority_id in me.admin_of
    if board.kind == COMMUNITY:
        return board.community.pk in _communities(user, facilitating=True) or _leads_community(user, board.community)
    return False


def limits_of(board: Board) -> dict[str, int]:
    if not board.has_limits:
        return {}
    return dict(BoardLimit.objects.filter(**board.limit_owner()).values_list("stage", "limit"))


def column_total(board: Board, stage: str) -> int:
    """How many cases of the board stand in `stage` now, seen or not by whoever asks."""
    return Case.objects.filter(board.scope(), stage=stage).count()


# --- What the board shows ------------------------------------------------------------------------


@dataclass
class Card:
    case: Case
    age_days: int
    owner: object | None
    due: dt.date | None
    overdue: bool
    moves: list[tuple[str, str]]
    # Targets that need a note or a date: the board sends the person to the case page for them.
    asks_more: list[str]
    may_reorder: bool = False  # who may move the case on the board may order its column
    up: int | None = None  # the card shown above it in its column ("Move up" puts it before that one)
    down: int | None = None  # the card shown below it ("Move down")

    # Made once here rather than by template tags per card: a board shows up to 20 cards a column,
    # and their options and addresses were most of its rendering time (bench/README.md).
    @cached_property
    def move_url(self) -> str:
        return reverse("cases:board_move", args=[self.case.pk])

    @cached_property
    def move_values(self) -> str:
        return " ".join(value for value, _label in self.moves)

    @cached_property
    def move_options(self) -> str:
        return format_html_join(
            "",
            '<option value="{}">{}{}</option>',
            ((value, label, " …" if value in self.asks_more else "") for value, label in self.moves),
        )


@dataclass
class Column:
    stage: str
    label: str
    cards: list[Card] = field(default_factory=list)
    count: int = 0  # cases in the column the viewer sees, filters applied
    total: int = 0  # every case of the board in the column (what the limit counts)
    limit: int | None = None
    page: int = 1

    @property
    def at_limit(self) -> bool:
        return self.limit is not None and self.total >= self.limit

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.total > self.limit

    @property
    def has_more(self) -> bool:
        return self.page * PER_COLUMN < self.count

    @property
    def shown_until(self) -> int:
        return min(self.page * PER_COLUMN, self.count)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass
class BoardView:
    board: Board
    columns: list[Column]
    finals: list[tuple[str, str, int]]  # (stage, label, count) of the collapsed final stages
    limits: dict[str, int]


def board_cases(user, board: Board) -> QuerySet[Case]:
    cases = case_access.visible(user)
    if board.kind == GROUPS:
        return cases.filter(pk__in=sorted(board.cases))
    return cases.filter(board.scope())


def apply_filters(cases: QuerySet[Case], filters: dict) -> QuerySet[Case]:
    through_types = Case.types.through.objects
    through_topics = Case.topics.through.objects
    if filters.get("type"):
        cases = cases.filter(pk__in=through_types.filter(difficultytyperow_id=filters["type"]).values("case_id"))
    if filters.get("topic"):
        topic = getattr(filters["topic"], "pk", filters["topic"])
        cases = cases.filter(pk__in=through_topics.filter(topic_id=topic).values("case_id"))
    if filters.get("group"):
        cases = cases.filter(requester_group=filters["group"])
    if filters.get("subject"):
        cases = cases.filter(subject=filters["subject"])
    if filters.get("owner"):
        owner = getattr(filters["owner"], "pk", filters["owner"])
        cases = cases.filter(pk__in=CaseMember.objects.filter(user_id=owner, role=MemberRole.LEAD).values("case_id"))
    return cases


def _with_card_data(cases: QuerySet[Case]) -> QuerySet[Case]:
    leads = CaseMember.objects.filter(role=MemberRole.LEAD).select_related("user").order_by("created_at", "id")
    return cases.select_related("school", "community").prefetch_related(
        Prefetch("members", queryset=leads, to_attr="leads")
    )


def _due(case: Case) -> dt.date | None:
    """The due date of the case's stage, as planning set it (`planning.is_overdue` measures the same
    one: a case still "submitted" against its first planned stage)."""
    dues = planning.parse_due_dates(case.due_dates)
    if case.stage == Stage.SUBMITTED and dues:
        return next(iter(dues.values()))
    return dues.get(case.stage)


def _card(user, case: Case, now, today, known_people: set[int]) -> Card:
    lead = case.leads[0].user if case.leads else None
    if lead is not None and lead.pk not in known_people and not case_access.roles(user, case):
        lead = None  # someone the viewer may not know (a parent leading a group) stays unnamed
    due = _due(case)
    moves = services.moves_for(user, case)
    asks_more = [to for to in moves if needs_case_page(case.stage, to)]
    return Card(
        case=case,
        age_days=max(0, (now - case.stage_changed_at).days),
        owner=lead,
        due=due,
        overdue=planning.is_overdue(case.stage, case.due_dates, today),
        moves=[(to, str(Stage(to).label)) for to in moves],
        asks_more=asks_more,
        may_reorder=MOVE in case_access.allowed(user, case),
    )


def build(user, board: Board, *, filters: dict | None = None, column: str = "", page: int = 1) -> BoardView:
    """The board as `user` sees it: every open column's first `PER_COLUMN` cards (or page `page` of
    `column`), the counts, the limits and the final stages as counts. A fixed number of queries."""
    from halqa.accounts.queries import people_visible_to

    cases = apply_filters(board_cases(user, board), filters or {})
    counts = dict(cases.order_by().values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    limits = limits_of(board)
    if board.has_limits:
        totals = dict(
            Case.objects.filter(board.scope(), stage__in=OPEN_STAGES)
            .order_by()
            .values_list("stage")
            .annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
    else:
        totals = {stage: counts.get(stage, 0) for stage in OPEN_STAGES}
    column = column if column in OPEN_STAGES else ""
    page = max(1, page) if column else 1

    ranked = cases.filter(stage__in=OPEN_STAGES).annotate(
        row=Window(RowNumber(), partition_by=[F("stage")], order_by=list(CARD_ORDER))
    )
    if column:
        ranked = ranked.exclude(stage=column)
    shown = list(_with_card_data(ranked.filter(row__lte=PER_COLUMN).order_by("stage", *CARD_ORDER)))
    if column:
        start = (page - 1) * PER_COLUMN
        shown += list(_with_card_data(cases.filter(stage=column).order_by(*CARD_ORDER))[start : start + PER_COLUMN])

    lead_ids = {case.leads[0].user_id for case in shown if case.leads}
    known = (
        set(people_visible_to(user).filter(pk__in=sorted(lead_ids)).values_list("pk", flat=True)) if lead_ids else set()
    )
    now, today = timezone.now(), timezone.localdate()
    columns = {
        stage: Column(
            stage=stage,
            label=str(Stage(stage).label),
            count=counts.get(stage, 0),
            total=totals.get(stage, 0),
            limit=limits.get(stage),
            page=page if stage == column else 1,
        )
        for stage in OPEN_STAGES
    }
    for case in shown:
        columns[case.stage].cards.append(_card(user, case, now, today, known))
    for shown_column in columns.values():
        for above, below in pairwise(shown_column.cards):
            above.down, below.up = below.case.pk, above.case.pk
    finals = [(stage, str(Stage(stage).label), counts.get(stage, 0)) for stage in FINAL_ORDER]
    return BoardView(board=board, columns=list(columns.values()), finals=finals, limits=limits)


def owner_choices(user, board: Board) -> list[tuple[int, str]]:
    """The leads of the board's cases the viewer may know, for the "owner" filter."""
    from halqa.accounts.models import User
    from halqa.accounts.queries import people_visible_to

    # Each person once, read as people (not one row per case they lead: a board holds thousands).
    leading = CaseMember.objects.filter(role=MemberRole.LEAD, case__in=board_cases(user, board).values("pk"))
    people = (
        User.objects.filter(pk__in=leading.values("user_id"))
        .filter(pk__in=people_visible_to(user).values("pk"))
        .order_by("display_name", "pk")
    )
    return [(person.pk, str(person)) for person in people]
