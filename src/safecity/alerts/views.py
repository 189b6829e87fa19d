"""The public side: warnings in force (list and map), one warning, its CAP XML, the Atom feed
of CAP messages, the subscription pages, and the awareness articles. Every page works without
JavaScript; the maps are an addition."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, rfc3339_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from safecity.alerts import cap, notifications, selectors, services
from safecity.alerts.forms import SubscribeForm
from safecity.alerts.models import Alert, Article
from safecity.core.errors import InvalidInput
from safecity.core.middleware import client_ip
from safecity.core.ratelimit import RateLimited


def map_item(alert: Alert, language: str) -> dict[str, Any]:
    """What the maps draw for one warning."""
    return {
        "identifier": alert.identifier,
        "headline": alert.localized("headline", language),
        "severity": alert.severity,
        "url": reverse("alerts:detail", args=[alert.identifier]) if alert.identifier else "",
        **alert.area_payload(),
    }


SEVERITY_SHORT = {
    "Extreme": gettext_lazy("Extreme"),
    "Severe": gettext_lazy("Severe"),
    "Moderate": gettext_lazy("Moderate"),
    "Minor": gettext_lazy("Minor"),
    "Unknown": gettext_lazy("Unknown severity"),
}


def card(alert: Alert, language: str) -> dict[str, Any]:
    """One warning as the lists show it, in the reader's language."""
    places = [w.name for w in alert.wards.all()]
    if alert.circles or alert.polygons:
        places.append(alert.localized("area_desc", language) or _("area drawn on the map"))
    return {
        "alert": alert,
        "headline": alert.localized("headline", language),
        "event": alert.localized("event", language),
        "severity": SEVERITY_SHORT.get(alert.severity, alert.severity),
        "places": places,
    }


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    language = request.LANGUAGE_CODE
    alerts = list(selectors.active_warnings())
    return render(
        request,
        "alerts/list.html",
        {
            "cards": [card(a, language) for a in alerts],
            "language": language,
            "map_items": [map_item(a, language) for a in alerts],
            "articles": selectors.published_articles()[:3],
        },
    )


@require_GET
def alert_detail(request: HttpRequest, identifier: str) -> HttpResponse:
    alert = selectors.public_alert(identifier)
    language = request.LANGUAGE_CODE
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "card": card(alert, language),
            "language": language,
            "text": {
                name: alert.localized(name, language)
                for name in ("event", "headline", "description", "instruction", "area_desc")
            },
            "replacement": selectors.replacement_of(alert),
            "articles": alert.articles.filter(status=Article.Status.PUBLISHED),
            "map_items": [map_item(alert, language)],
            "wards": alert.wards.order_by("name"),
        },
    )


@require_GET
@cache_control(public=True, max_age=60)
def alert_cap(request: HttpRequest, identifier: str) -> HttpResponse:
    """The CAP 1.2 message exactly as it was validated when published."""
    alert = selectors.public_alert(identifier)
    return HttpResponse(alert.xml.encode(), content_type=f"{cap.CAP_MIME_TYPE}; charset=utf-8")


class CapAtomFeed(Atom1Feed):
    """Atom whose entries link to CAP messages (``type="application/cap+xml"``), the form CAP
    aggregators poll."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        handler.addQuickElement("title", item["title"])
        handler.addQuickElement(
            "link", "", {"href": item["link"], "rel": "alternate", "type": cap.CAP_MIME_TYPE}
        )
        handler.addQuickElement("id", item["unique_id"])
        handler.addQuickElement("published", rfc3339_date(item["pubdate"]))
        handler.addQuickElement("updated", rfc3339_date(item["updateddate"]))
        handler.addQuickElement("summary", item["description"])
        for category in item["categories"] or ():
            handler.addQuickElement("category", "", {"term": category})


@require_GET
@cache_control(public=True, max_age=60)
def alert_feed(request: HttpRequest) -> HttpResponse:
    """The CAP messages in force, newest first: each entry links to its XML."""
    home = request.build_absolute_uri(reverse("alerts:list"))
    feed = CapAtomFeed(
        title=_("SafeCity public warnings"),
        link=home,
        feed_url=request.build_absolute_uri(reverse("alerts:feed")),
        description=_("Warnings in force from the city police (CAP 1.2)."),
        language="vi",
        author_name=services.sender_name(),
        feed_guid=home,
    )
    for alert in selectors.active_messages().order_by("-sent"):
        xml_url = request.build_absolute_uri(reverse("alerts:cap", args=[alert.identifier]))
        feed.add_item(
            title=alert.headline_vi,
            link=xml_url,
            description=alert.description_vi,
            unique_id=xml_url,
            pubdate=alert.sent.astimezone(cap.VIETNAM) if alert.sent else None,
            updateddate=alert.sent.astimezone(cap.VIETNAM) if alert.sent else None,
            categories=[alert.category, alert.msg_type],
        )
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response


# --- Subscriptions --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            phone = form.cleaned_data["phone"]
            phone = notifications.normalize_phone(phone) if phone.strip() else ""
            email = form.cleaned_data["email"]
            notifications.subscription_rate_check(
                client_address=client_ip(request), phone=phone, email=email
            )
            subscription = notifications.subscription_create(
                phone=phone,
                email=email,
                ward_codes=[w.code for w in form.cleaned_data["wards"]],
                language=request.LANGUAGE_CODE,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc.message))
            status = 429
        except InvalidInput as exc:
            for name, messages in exc.fields.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, str(message))
            status = 422
        else:
            return render(
                request,
                "alerts/subscribed.html",
                {
                    "subscription": subscription,
                    "wards": subscription.wards.order_by("name"),
                    "unsubscribe_url": request.build_absolute_uri(
                        reverse("alerts:unsubscribe", args=[subscription.token])
                    ),
                },
                status=201,
            )
    elif request.method == "POST":
        status = 422
    response = render(request, "alerts/subscribe.html", {"form": form}, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST stops: a mail scanner that opens links must not unsubscribe anyone."""
    done = False
    if request.method == "POST":
        subscription = notifications.subscription_cancel(token=token)
        done = subscription is not None
        if not done:
            return render(request, "alerts/unsubscribe.html", {"unknown": True}, status=404)
    return render(request, "alerts/unsubscribe.html", {"done": done})


# --- Awareness articles ---------------------------------------------------------------------------


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")
    topic = topic if topic in Article.Topic.values else ""
    return render(
        request,
        "alerts/articles.html",
        {
            "articles": selectors.published_articles(topic=topic),
            "topics": Article.Topic.choices,
            "topic": topic,
            "language": request.LANGUAGE_CODE,
        },
    )


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.public_article(slug)
    language = request.LANGUAGE_CODE
    return render(
        request,
        "alerts/article.html",
        {
            "article": article,
            "title": article.localized("title", language),
            "summary": article.localized("summary", language),
            "paragraphs": [
                p for p in article.localized("body", language).split("\n\n") if p.strip()
            ],
            "cards": [
                card(a, language) for a in selectors.active_warnings().filter(articles=article)
            ],
        },
    )
