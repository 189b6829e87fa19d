"""The officers' pages for warnings and articles: list, compose and edit drafts (wards from a
list; circle or polygon on the map when JavaScript runs), approve, publish, update, cancel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecity.accounts.access import has_capability, require_capability
from safecity.accounts.decorators import officer_required
from safecity.accounts.models import User
from safecity.alerts import notifications, selectors, services
from safecity.alerts.forms import AlertForm, ArticleForm, CancelForm
from safecity.alerts.models import Alert, Article
from safecity.alerts.views import map_item
from safecity.core.errors import ApplicationError, InvalidInput

LIST_FILTERS = ("waiting", "active", "published", "superseded", "cancelled", "all")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@officer_required
@require_http_methods(["GET"])
def alert_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "waiting")
    status = status if status in LIST_FILTERS else "waiting"
    rows = selectors.alerts_visible(user, status="" if status == "all" else status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/ops/list.html",
        {
            "page": page,
            "status": status,
            "filters": LIST_FILTERS,
            "can_publish": has_capability(user, selectors.PUBLISH),
            "to_approve": selectors.awaiting_approval(user).count(),
        },
    )


def draw_labels() -> dict[str, str]:
    """The map's drawing tools, in the officer's language (Leaflet.draw ships English)."""
    return {
        "polygon": _("Draw a polygon"),
        "circle": _("Draw a circle"),
        "edit": _("Change the shapes"),
        "remove": _("Delete shapes"),
        "cancel": _("Cancel"),
        "finish": _("Finish"),
        "undo": _("Delete last point"),
        "save": _("Save"),
        "clearAll": _("Clear all"),
        "polygonStart": _("Click to start drawing the area."),
        "polygonCont": _("Click to continue drawing the area."),
        "polygonEnd": _("Click the first point to close the area."),
        "circleStart": _("Click and drag to draw a circle."),
        "radius": _("Radius"),
    }


def _compose_page(
    request: HttpRequest, form: AlertForm, *, alert: Alert | None, mode: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "alerts/ops/compose.html",
        {"form": form, "alert": alert, "mode": mode, "draw_labels": draw_labels()},
        status=status,
    )


def _save_draft(request: HttpRequest, form: AlertForm, action: Any, **kwargs: Any) -> Any:
    """Run the service with the form's content; on a field error, show it on the form."""
    try:
        return action(actor=_user(request), content=form.content(), **kwargs)
    except InvalidInput as exc:
        form.apply_errors(exc.fields or {"__all__": [str(exc.message)]})
        return None


@officer_required
@require_http_methods(["GET", "POST"])
def alert_compose(request: HttpRequest) -> HttpResponse:
    require_capability(_user(request), selectors.PUBLISH)
    form = AlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        alert = _save_draft(request, form, services.alert_draft_create)
        if alert is not None:
            messages.success(request, _("Draft saved. Another officer must approve it."))
            return redirect("alerts_ops:detail", alert_id=alert.pk)
    status = 422 if request.method == "POST" else 200
    return _compose_page(request, form, alert=None, mode="new", status=status)


@officer_required
@require_http_methods(["GET", "POST"])
def alert_edit(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert(_user(request), alert_id, capability=selectors.PUBLISH)
    form = AlertForm(request.POST or None, initial=AlertForm.initial_from(alert))
    if request.method == "POST" and form.is_valid():
        saved = _save_draft(request, form, services.alert_draft_edit, alert=alert)
        if saved is not None:
            messages.success(request, _("Draft saved."))
            return redirect("alerts_ops:detail", alert_id=alert.pk)
    status = 422 if request.method == "POST" else 200
    return _compose_page(request, form, alert=alert, mode="edit", status=status)


@officer_required
@require_http_methods(["GET", "POST"])
def alert_update(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Compose an Update, starting from the published warning's content."""
    alert = selectors.access_alert(_user(request), alert_id, capability=selectors.PUBLISH)
    try:
        services.require_current(alert)
    except ApplicationError as exc:
        return _detail_page(request, alert, error=exc)
    form = AlertForm(request.POST or None, initial=AlertForm.initial_from(alert))
    if request.method == "POST" and form.is_valid():
        try:
            draft = _save_draft(request, form, services.alert_update_draft, alert=alert)
        except ApplicationError as exc:
            return _detail_page(request, alert, error=exc)
        if draft is not None:
            messages.success(
                request, _("Update saved as a draft. Another officer must approve it.")
            )
            return redirect("alerts_ops:detail", alert_id=draft.pk)
    status = 422 if request.method == "POST" else 200
    return _compose_page(request, form, alert=alert, mode="update", status=status)


@officer_required
@require_http_methods(["GET", "POST"])
def alert_cancel(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert(_user(request), alert_id, capability=selectors.PUBLISH)
    try:
        services.require_current(alert)
    except ApplicationError as exc:
        return _detail_page(request, alert, error=exc)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.alert_cancel_draft(
                actor=_user(request),
                alert=alert,
                reason=form.cleaned_data["reason_vi"],
                reason_en=form.cleaned_data["reason_en"],
            )
        except ApplicationError as exc:
            return _detail_page(request, alert, error=exc)
        messages.success(
            request, _("Cancellation saved as a draft. Another officer must approve it.")
        )
        return redirect("alerts_ops:detail", alert_id=draft.pk)
    return render(request, "alerts/ops/cancel.html", {"form": form, "alert": alert})


def _detail_page(
    request: HttpRequest, alert: Alert, *, error: ApplicationError | None = None
) -> HttpResponse:
    user = _user(request)
    publisher = has_capability(user, selectors.PUBLISH)
    approver = has_capability(user, selectors.APPROVE)
    current = alert.status == Alert.Status.PUBLISHED and alert.msg_type != Alert.MsgType.CANCEL
    preview, problems = services.alert_preview(alert) if alert.is_editable else (alert.xml, [])
    context = {
        "alert": alert,
        "error": error,
        "can_edit": publisher and alert.is_editable and alert.author_id == user.pk,
        "can_approve": approver
        and alert.status == Alert.Status.DRAFT
        and alert.author_id != user.pk,
        "own_draft": alert.status == Alert.Status.DRAFT and alert.author_id == user.pk,
        "can_publish": publisher and alert.status == Alert.Status.APPROVED,
        "can_replace": publisher and current,
        "xml": preview,
        "problems": problems,
        "deliveries": notifications.delivery_counts(alert) if alert.sent else None,
        "replacement": selectors.replacement_of(alert),
        "map_items": [map_item(alert, "vi")],
        "wards": alert.wards.order_by("name"),
    }
    return render(request, "alerts/ops/detail.html", context, status=error.status if error else 200)


@officer_required
@require_http_methods(["GET"])
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _detail_page(request, selectors.access_alert(_user(request), alert_id))


@officer_required
@require_POST
def alert_approve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert(_user(request), alert_id, capability=selectors.APPROVE)
    try:
        services.alert_approve(actor=_user(request), alert=alert)
    except ApplicationError as exc:
        return _detail_page(request, alert, error=exc)
    messages.success(request, _("Approved. It can be published now."))
    return redirect("alerts_ops:detail", alert_id=alert.pk)


@officer_required
@require_POST
def alert_publish(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.access_alert(_user(request), alert_id, capability=selectors.PUBLISH)
    try:
        services.alert_publish(actor=_user(request), alert=alert, base_url=_base_url(request))
    except ApplicationError as exc:
        return _detail_page(request, alert, error=exc)
    messages.success(request, _("Published. Notifications are on their way."))
    return redirect("alerts_ops:detail", alert_id=alert.pk)


# --- Articles -------------------------------------------------------------------------------------


@officer_required
@require_http_methods(["GET"])
def article_list(request: HttpRequest) -> HttpResponse:
    articles = selectors.articles_for_officer(_user(request))
    return render(request, "alerts/ops/articles.html", {"articles": articles})


@officer_required
@require_http_methods(["GET", "POST"])
def article_form(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    user = _user(request)
    article = selectors.access_article(user, article_id) if article_id else None
    require_capability(user, selectors.PUBLISH)
    initial = (
        {name: getattr(article, name) for name in ArticleForm.base_fields} if article else None
    )
    form = ArticleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                if article is None:
                    article = services.article_create(actor=user, content=form.content())
                else:
                    services.article_edit(actor=user, article=article, content=form.content())
            except InvalidInput as exc:
                for name, errors in exc.fields.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, str(message))
            else:
                messages.success(request, _("Article saved."))
                return redirect("alerts_ops:articles")
    return render(
        request, "alerts/ops/article_form.html", {"form": form, "article": article}, status=status
    )


@officer_required
@require_POST
def article_publish(request: HttpRequest, article_id: int) -> HttpResponse:
    user = _user(request)
    article: Article = selectors.access_article(user, article_id)
    published = request.POST.get("publish") == "1"
    services.article_set_published(actor=user, article=article, published=published)
    messages.success(request, _("Article published.") if published else _("Article taken down."))
    return redirect("alerts_ops:articles")
