"""Library pages: thin views over queries.py (reading), access.py (may I?) and services.py (writing)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from halqa.accounts.models import User
from halqa.accounts.queries import people_visible_to
from halqa.cases.access import case_access
from halqa.cases.models import Case
from halqa.cases.vocabulary import topic_label
from halqa.discussions.uploads import file_response
from halqa.orgs.views import add_form_errors

from . import comments, pdf, plan, queries, rubrics, services
from .access import authored_by, product_access
from .forms import (
    AssignForm,
    AttachForm,
    CoAuthorForm,
    CommentForm,
    CriterionForm,
    CriterionMoveForm,
    FilterForm,
    ProductForm,
    RateForm,
    ReplyForm,
    RetractForm,
    ReviewForm,
    StepForm,
    StepMoveForm,
)
from .models import Product, Rating, Score, Status, UseKind

PER_PAGE = 20


def library(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated and not settings.LIBRARY_PUBLIC:
        return redirect_to_login(request.get_full_path())
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    found, snippets = queries.library(request.user, **{k: v for k, v in chosen.items() if v})
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    for product in page.object_list:
        product.hit = snippets.get(product.pk)
    return render(request, "library/list.html", {"filters": filters, "page": page, "query": chosen.get("q", "")})


def _candidates(user, product):
    """Whom a steward may assign: people they may see, never an author (the form lists the first 200)."""
    authors = product.authors.values("user_id")
    return people_visible_to(user).exclude(pk__in=authors).order_by("display_name", "pk")


def _page(request, product, can, status=200, **forms) -> HttpResponse:
    user = request.user
    is_author = user.is_authenticated and product.pk in authored_by(user)
    if can.manage and product.status in (Status.DRAFT, Status.IN_REVIEW):
        forms.setdefault("assign_form", AssignForm(candidates=_candidates(user, product)[:200]))
    if can.edit:
        forms.setdefault("author_form", CoAuthorForm(candidates=_candidates(user, product)[:200]))
    rubric = rubrics.rubric_for(product) if can.review else None
    if can.review:
        forms.setdefault("review_form", ReviewForm(criteria=rubric.criteria.all()))
    owners = list(plan.owners(product)) if can.plan else []
    if can.plan:
        forms.setdefault("step_form", StepForm(owners=owners))
    if can.comment:
        forms.setdefault("comment_form", CommentForm())
    if can.attach:
        forms.setdefault("attach_form", AttachForm())
    if can.manage and product.status == Status.PUBLISHED:
        forms.setdefault("retract_form", RetractForm())
    if can.rate:
        mine = Rating.objects.filter(product=product, user=user).first()
        forms.setdefault(
            "rate_form", RateForm(initial={"score": mine.score, "comment": mine.comment} if mine else None)
        )
    full_reviews = is_author or queries.sees_reviews(can)
    revisions = list(product.revisions.select_related("author")) if product.status != Status.RETRACTED else []
    context = {
        "product": product,
        "can": can,
        "is_author": is_author,
        "hidden": product.status == Status.RETRACTED,
        "authors": product.authors.select_related("user"),
        "topics": [topic_label(topic) for topic in product.topics.all()],
        "revisions": revisions,
        "attachments": list(product.attachments.all()) if product.status != Status.RETRACTED else [],
        "reviews": product.reviews.select_related("reviewer").prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion"))
        )
        if full_reviews
        else [],
        "steps": product.steps.select_related("owner") if full_reviews else [],
        "step_owners": owners,
        "rubric_school": product.school
        if product.school_id and rubrics.may_edit(user, school=product.school)
        else None,
        "threads": comments.threads(product, revisions=revisions) if full_reviews and revisions else [],
        "reply_form": ReplyForm() if can.discuss else None,
        "assigned": product.assignments.select_related("reviewer") if full_reviews else [],
        "summary": queries.review_summary(product),
        "approvals": services.approvals(product, current=revisions[0].number if revisions else None)
        if product.status == Status.IN_REVIEW
        else 0,
        "approvals_needed": services.approvals_needed(),
        "case": queries.case_link(user, product),
        "rating": _ratings(product),
        **forms,
    }
    return render(request, "library/product.html", context, status=status)


def _ratings(product):
    from django.db.models import Avg, Count

    return product.ratings.aggregate(average=Avg("score"), count=Count("pk"))


def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated and not settings.LIBRARY_PUBLIC:
        return redirect_to_login(request.get_full_path())
    product, can = queries.get_for(request.user, pk)
    services.record_use(product, actor=request.user, how=UseKind.READ, allowed=can)
    return _page(request, product, can)


def product_print(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated and not settings.LIBRARY_PUBLIC:
        return redirect_to_login(request.get_full_path())
    product, can = queries.get_for(request.user, pk)
    context = {
        "product": product,
        "hidden": product.status == Status.RETRACTED,
        "authors": product.authors.select_related("user"),
        "attachments": product.attachments.all(),
    }
    services.record_use(product, actor=request.user, how=UseKind.PRINT, allowed=can)
    return render(request, "library/print.html", context)


def product_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The product as a PDF, for whoever may see it (a retracted one without its text): the cached
    file, or rendered now when short; a long one not rendered yet is queued and the page says so."""
    if not request.user.is_authenticated and not settings.LIBRARY_PUBLIC:
        return redirect_to_login(request.get_full_path())
    product, can = queries.get_for(request.user, pk)
    doc = pdf.document(product)
    if not pdf.ready(doc):
        if not doc.small:
            pdf.schedule(product)
            response = render(request, "library/pdf_wait.html", {"product": product}, status=202)
            response["Retry-After"] = "10"
            return response
        pdf.build(product)
    services.record_use(product, actor=request.user, how=UseKind.PDF, allowed=can)
    name = f"{slugify(product.title, allow_unicode=True)[:80] or 'product'}-{product.pk}.pdf"
    response = FileResponse(default_storage.open(doc.name), as_attachment=True, filename=name)
    response["Content-Type"] = "application/pdf"
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def product_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A product's file, for whoever may see the product: a draft's to who may see the draft, a
    retracted product's to nobody (its text is hidden, so are its files). An image is shown where it
    is opened (the text shows it), any other file is downloaded; never sniffed into something else."""
    if not request.user.is_authenticated and not settings.LIBRARY_PUBLIC:
        return redirect_to_login(request.get_full_path())
    product, _can = queries.get_for(request.user, pk)
    attachment = product.attachments.filter(pk=file_pk).first() if product.status != Status.RETRACTED else None
    if attachment is None:
        raise Http404
    response = file_response(attachment, inline=attachment.is_image, cache="private, no-cache")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    product, _can = product_access.get(request.user, pk)
    form = AttachForm(request.POST, request.FILES)
    form.is_valid()  # the field only gathers the files; services.attach checks them
    try:
        added = services.attach(product, actor=request.user, files=form.cleaned_data.get("files"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext("%(count)s file is attached.", "%(count)s files are attached.", len(added))
            % {"count": len(added)},
        )
    return redirect(_back(request, product))


@login_required
@require_POST
def file_remove(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    product, _can = product_access.get(request.user, pk)
    services.remove_attachment(product, actor=request.user, attachment_id=file_pk)
    messages.success(request, _("The file is removed."))
    return redirect(_back(request, product))


def _back(request: HttpRequest, product: Product) -> str:
    """The edit page when the form was sent from there, else the product's page."""
    edit = reverse("library:edit", args=[product.pk])
    return edit if request.POST.get("back") == "edit" else product.get_absolute_url()


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("note", None)
    data.pop("topics", None)
    return data


@login_required
def product_new(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            product = services.start(actor=request.user, topics=form.cleaned_data["topics"], **_form_data(form))
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The product is saved as a draft."))
            return redirect(product)
    status = 400 if request.method == "POST" else 200
    return render(request, "library/edit.html", {"form": form, "product": None}, status=status)


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product, can = product_access.get(request.user, pk)
    can.need("edit")
    initial = {
        "kind": product.kind,
        "audience": product.audience,
        "title": product.title,
        "summary": product.summary,
        "body": product.body,
        "what_failed": product.what_failed,
        "link": product.link,
        "language": product.language,
        "subjects": product.subject_list,
        "grades": product.grade_list,
        "topics": [topic_label(topic) for topic in product.topics.all()],
        "licence": product.licence,
    }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.revise(
                product,
                actor=request.user,
                note=form.cleaned_data["note"],
                topics=form.cleaned_data["topics"],
                **_form_data(form),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("A new revision is saved."))
            return redirect(product)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "product": product, "attachments": product.attachments.all()}
    if product_access.allowed(request.user, product).attach:
        context["attach_form"] = AttachForm()
    return render(request, "library/edit.html", context, status=status)


@login_required
def product_compare(request: HttpRequest, pk: int) -> HttpResponse:
    product, can = product_access.get(request.user, pk)
    numbers = list(product.revisions.values_list("number", flat=True))
    try:
        first = int(request.GET.get("a", min(numbers)))
        second = int(request.GET.get("b", max(numbers)))
        changes = services.compare(product, actor=request.user, first=first, second=second)
    except (ValueError, ValidationError):
        messages.error(request, _("Choose two revisions of this product."))
        return redirect(product)
    context = {"product": product, "changes": changes, "first": first, "second": second, "numbers": numbers}
    return render(request, "library/compare.html", context)


def _act(request, pk, act, done: str, form_class=None, form_name: str = "", **form_kwargs) -> HttpResponse:
    product, can = product_access.get(request.user, pk)
    form = form_class(request.POST, **form_kwargs) if form_class else None
    if form is None or form.is_valid():
        try:
            act(product, form)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect(product)
            add_form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(product)
    return _page(request, product, can, status=400, **{form_name: form})


@login_required
@require_POST
def product_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda p, f: services.submit(p, actor=request.user), _("Submitted for review."))


@login_required
@require_POST
def product_assign(request: HttpRequest, pk: int) -> HttpResponse:
    def act(product, form):
        reviewer = _candidates(request.user, product).filter(pk=form.cleaned_data["reviewer"]).first()
        if reviewer is None and User.objects.filter(pk=form.cleaned_data["reviewer"]).exists():
            raise ValidationError({"reviewer": _("An author cannot review their own product.")})
        services.assign(product, actor=request.user, reviewer=reviewer)

    return _act(request, pk, act, _("The reviewer is assigned."), AssignForm, "assign_form")


@login_required
@require_POST
def product_author(request: HttpRequest, pk: int) -> HttpResponse:
    def act(product, form):
        person = people_visible_to(request.user).filter(pk=form.cleaned_data["user"]).first()
        services.set_author(product, actor=request.user, person=person, contribution=form.cleaned_data["contribution"])

    return _act(request, pk, act, _("The co-author is added."), CoAuthorForm, "author_form")


@login_required
@require_POST
def product_review(request: HttpRequest, pk: int) -> HttpResponse:
    def act(product, form):
        data = form.cleaned_data
        services.review(product, actor=request.user, scores=data, decision=data["decision"], comment=data["comment"])

    product, _can = product_access.get(request.user, pk, Product.objects.select_related("school"))
    criteria = list(rubrics.rubric_for(product).criteria.all())
    return _act(request, pk, act, _("Your review is saved."), ReviewForm, "review_form", criteria=criteria)


@login_required
@require_POST
def product_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda p, f: services.publish(p, actor=request.user), _("The product is published."))


@login_required
@require_POST
def product_retract(request: HttpRequest, pk: int) -> HttpResponse:
    def act(product, form):
        services.retract(product, actor=request.user, reason=form.cleaned_data["reason"])

    return _act(request, pk, act, _("The product is retracted."), RetractForm, "retract_form")


@login_required
@require_POST
def product_rate(request: HttpRequest, pk: int) -> HttpResponse:
    def act(product, form):
        services.rate(
            product, actor=request.user, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        )

    return _act(request, pk, act, _("Thank you: your answer is saved."), RateForm, "rate_form")


@login_required
@require_POST
def from_case(request: HttpRequest, pk: int) -> HttpResponse:
    case, _allowed = case_access.get(request.user, pk, Case.objects.select_related("school", "community"))
    try:
        product = services.from_case(case, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(case)
    return redirect(product)


# --- The production plan --------------------------------------------------------------------------


def _step(product, step_pk):
    return get_object_or_404(product.steps, pk=step_pk)


@login_required
@require_POST
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    product, _can = product_access.get(request.user, pk)

    def act(product, form):
        data = form.cleaned_data
        plan.add_step(product, actor=request.user, title=data["title"], due=data["due"], owner=data["owner"])

    return _act(
        request, pk, act, _("The step is added to the plan."), StepForm, "step_form", owners=plan.owners(product)
    )


@login_required
@require_POST
def step_change(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    product, _can = product_access.get(request.user, pk)

    def act(product, form):
        data = form.cleaned_data
        plan.change_step(
            _step(product, step), actor=request.user, title=data["title"], due=data["due"], owner=data["owner"]
        )

    return _act(request, pk, act, _("The step is saved."), StepForm, "step_change_form", owners=plan.owners(product))


@login_required
@require_POST
def step_move(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    def act(product, form):
        plan.move_step(_step(product, step), actor=request.user, position=form.cleaned_data["position"] - 1)

    return _act(request, pk, act, _("The plan is reordered."), StepMoveForm, "step_move_form")


@login_required
@require_POST
def step_done(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    return _act(
        request, pk, lambda p, f: plan.complete_step(_step(p, step), actor=request.user), _("The step is done.")
    )


@login_required
@require_POST
def step_remove(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda p, f: plan.remove_step(_step(p, step), actor=request.user),
        _("The step is removed from the plan."),
    )


# --- Review comments --------------------------------------------------------------------------------


def _comment(product, comment_pk):
    return get_object_or_404(product.comments, pk=comment_pk, parent__isnull=True)


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(product, form):
        data = form.cleaned_data
        comments.add_comment(product, actor=request.user, body=data["body"], quote=data["quote"])

    return _act(request, pk, act, _("Your comment is saved."), CommentForm, "comment_form")


@login_required
@require_POST
def comment_reply(request: HttpRequest, pk: int, comment: int) -> HttpResponse:
    def act(product, form):
        comments.reply(_comment(product, comment), actor=request.user, body=form.cleaned_data["body"])

    return _act(request, pk, act, _("Your answer is saved."), ReplyForm, "reply_form")


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment: int) -> HttpResponse:
    resolved = request.POST.get("resolved", "1") != "0"
    done = _("The comment is marked resolved.") if resolved else _("The comment is open again.")
    return _act(
        request, pk, lambda p, f: comments.resolve(_comment(p, comment), actor=request.user, resolved=resolved), done
    )


# --- Rubrics ---------------------------------------------------------------------------------------


def _rubric_owner(kind: str, pk: int | None):
    from django.http import Http404

    from halqa.orgs.models import Authority, School

    model = {"school": School, "authority": Authority}.get(kind)
    if kind == "default":
        return {}
    found = model.objects.filter(pk=pk).first() if model else None
    if found is None:
        raise Http404
    return {kind: found}


@login_required
def rubric_list(request: HttpRequest) -> HttpResponse:
    """The rubrics this person may edit (a school's leaders, an authority's admins, the deployment's)."""
    from django.core.exceptions import PermissionDenied

    editable = rubrics.editable_rubrics(request.user)
    if not editable:
        raise PermissionDenied(_("Only a school's principal and coordinators, or an authority's admins, edit rubrics."))
    return render(request, "library/rubrics.html", {"editable": editable})


def _rubric_page(request, owner: dict, status=200, **forms) -> HttpResponse:
    from django.core.exceptions import PermissionDenied

    if not rubrics.may_edit(request.user, **owner):
        raise PermissionDenied(
            _("Only the school's principal and coordinators, or the authority's admins, edit this rubric.")
        )
    if "school" in owner:
        rubric = rubrics.rubric_for_school(owner["school"])
    elif "authority" in owner:
        from .models import Rubric

        rubric = Rubric.objects.filter(authority=owner["authority"]).first() or rubrics.default_rubric()
    else:
        rubric = rubrics.default_rubric()
    own = rubric.school_id == getattr(owner.get("school"), "pk", None) and rubric.authority_id == getattr(
        owner.get("authority"), "pk", None
    )
    criteria = list(rubric.criteria.order_by("position", "pk"))
    for criterion in criteria:
        criterion.shown = rubrics.label(criterion.key, criterion.label, criterion.labels)
        criterion.label_fields = [
            (code, (_("Label in %(language)s") % {"language": name}, (criterion.labels or {}).get(code, "")))
            for code, name in settings.LANGUAGES
        ]
    forms.setdefault("criterion_form", CriterionForm())
    forms.setdefault("failed_pk", None)
    context = {
        "owner": owner,
        "rubric": rubric,
        "own": own,
        "criteria": criteria,
        "action": request.path,
        **forms,
    }
    return render(request, "library/rubric.html", context, status=status)


@login_required
def rubric_edit(request: HttpRequest, kind: str = "default", pk: int | None = None) -> HttpResponse:
    """A rubric's criteria and a form to add one (adding to an inherited rubric makes the owner's own
    copy first)."""
    owner = _rubric_owner(kind, pk)
    if request.method != "POST":
        return _rubric_page(request, owner)
    if request.POST.get("copy"):
        rubrics.own_rubric(request.user, **owner)
        messages.success(request, _("The rubric is now this one's own: change it as you need."))
        return redirect(request.path)
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            rubric = rubrics.own_rubric(request.user, **owner)
            data = form.cleaned_data
            rubrics.add_criterion(
                rubric,
                actor=request.user,
                label=data["label"],
                labels=form.labels(),
                description=data["description"],
                weight=data["weight"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The criterion is added."))
            return redirect(request.path)
    return _rubric_page(request, owner, status=400, criterion_form=form)


def _criterion(request, pk: int):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from .models import Criterion

    criterion = Criterion.objects.select_related("rubric__school", "rubric__authority").filter(pk=pk).first()
    if criterion is None:
        raise Http404
    if not rubrics.may_edit_rubric(request.user, criterion.rubric):
        raise PermissionDenied(
            _("Only the school's principal and coordinators, or the authority's admins, edit this rubric.")
        )
    return criterion


def _rubric_url(rubric) -> str:
    from django.urls import reverse

    if rubric.school_id:
        return reverse("library:rubric_school", args=[rubric.school_id])
    if rubric.authority_id:
        return reverse("library:rubric_authority", args=[rubric.authority_id])
    return reverse("library:rubric_default")


def _criterion_act(request, pk: int, act, done: str, form_class=None) -> HttpResponse:
    criterion = _criterion(request, pk)
    rubric = criterion.rubric
    owner = (
        {"school": rubric.school}
        if rubric.school_id
        else {"authority": rubric.authority}
        if rubric.authority_id
        else {}
    )
    form = form_class(request.POST) if form_class else None
    if form is None or form.is_valid():
        try:
            act(criterion, form)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect(_rubric_url(rubric))
            add_form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_rubric_url(rubric))
    errors = [*(error for field in form for error in field.errors), *form.non_field_errors()]
    return _rubric_page(request, owner, status=400, failed_pk=criterion.pk, failed_errors=errors)


@login_required
@require_POST
def criterion_change(request: HttpRequest, pk: int) -> HttpResponse:
    def act(criterion, form):
        data = form.cleaned_data
        rubrics.change_criterion(
            criterion,
            actor=request.user,
            label=data["label"],
            labels=form.labels(),
            description=data["description"],
            weight=data["weight"],
        )

    return _criterion_act(request, pk, act, _("The criterion is saved."), CriterionForm)


@login_required
@require_POST
def criterion_move(request: HttpRequest, pk: int) -> HttpResponse:
    def act(criterion, form):
        rubrics.move_criterion(criterion, actor=request.user, position=form.cleaned_data["position"] - 1)

    return _criterion_act(request, pk, act, _("The rubric is reordered."), CriterionMoveForm)


@login_required
@require_POST
def criterion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _criterion_act(
        request, pk, lambda c, f: rubrics.remove_criterion(c, actor=request.user), _("The criterion is removed.")
    )
