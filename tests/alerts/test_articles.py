"""Awareness articles (scam methods, fire safety, traffic safety): publishers write them,
publish and take them down; the public reads the published ones, and warnings link to them."""

from __future__ import annotations

import pytest
from django.test import Client

from safecity.accounts.models import User
from safecity.alerts import services
from safecity.alerts.models import Article
from safecity.core.errors import Forbidden, InvalidInput
from safecity.core.models import AuditEntry
from tests.alerts.conftest import publish

pytestmark = pytest.mark.usefixtures("wards")

SCAM = services.ArticleContent(
    topic="scam",
    title_vi="Cảnh giác: giả danh công an gọi điện lừa đảo",
    summary_vi="Công an không làm việc qua điện thoại.",
    body_vi="Kẻ gian gọi điện xưng công an.\n\nKhông chuyển tiền, không cung cấp mã OTP.",
)


@pytest.fixture
def scam_article(ngoc: User) -> Article:
    article = services.article_create(actor=ngoc, content=SCAM)
    return services.article_set_published(actor=ngoc, article=article, published=True)


def test_it_makes_the_address_from_the_vietnamese_title(ngoc: User):
    article = services.article_create(actor=ngoc, content=SCAM)

    assert article.slug == "canh-giac-gia-danh-cong-an-goi-dien-lua-dao"  # đ → d
    assert article.status == Article.Status.DRAFT


def test_it_refuses_a_second_article_at_the_same_address(ngoc: User, scam_article: Article):
    with pytest.raises(InvalidInput) as refused:
        services.article_create(actor=ngoc, content=SCAM)

    assert "slug" in refused.value.fields


def test_it_refuses_an_officer_who_does_not_publish(thang: User):
    with pytest.raises(Forbidden):
        services.article_create(actor=thang, content=SCAM)


def test_it_shows_only_published_articles(client: Client, ngoc: User, scam_article: Article):
    services.article_create(
        actor=ngoc, content=services.ArticleContent(topic="fire", title_vi="Nháp", body_vi="…")
    )

    page = client.get("/alerts/articles/").content.decode()
    detail = client.get(f"/alerts/articles/{scam_article.slug}/")

    assert "Cảnh giác: giả danh công an gọi điện lừa đảo" in page
    assert "Nháp" not in page
    assert detail.status_code == 200
    assert "<p>Không chuyển tiền, không cung cấp mã OTP.</p>" in detail.content.decode()


def test_it_filters_articles_by_topic(client: Client, ngoc: User, scam_article: Article):
    fire = services.article_create(
        actor=ngoc,
        content=services.ArticleContent(topic="fire", title_vi="Phòng cháy nhà ống", body_vi="…"),
    )
    services.article_set_published(actor=ngoc, article=fire, published=True)

    page = client.get("/alerts/articles/", {"topic": "fire"}).content.decode()

    assert "Phòng cháy nhà ống" in page
    assert "giả danh công an" not in page


def test_it_takes_an_article_down(client: Client, ngoc: User, scam_article: Article):
    client.force_login(ngoc)

    response = client.post(f"/ops/alerts/articles/{scam_article.pk}/publish/", {"publish": "0"})

    assert response.status_code == 302
    assert client.get(f"/alerts/articles/{scam_article.slug}/").status_code == 404
    assert AuditEntry.objects.filter(action="article.unpublish").exists()


def test_it_links_an_article_from_a_warning(
    client: Client, ngoc: User, thang: User, scam_article: Article
):
    alert = publish(ngoc, thang, category="Security", article_ids=(scam_article.pk,))

    warning = client.get(f"/alerts/{alert.identifier}/").content.decode()
    article = client.get(f"/alerts/articles/{scam_article.slug}/").content.decode()

    assert f'href="/alerts/articles/{scam_article.slug}/"' in warning
    assert f'href="/alerts/{alert.identifier}/"' in article


def test_it_writes_and_publishes_an_article_on_the_officers_pages(client: Client, ngoc: User):
    client.force_login(ngoc)

    created = client.post(
        "/ops/alerts/articles/new/",
        {
            "topic": "traffic",
            "slug": "mu-bao-hiem",
            "title_vi": "Đội mũ bảo hiểm đúng cách",
            "body_vi": "Cài quai chắc chắn.",
        },
    )
    article = Article.objects.get(slug="mu-bao-hiem")
    published = client.post(f"/ops/alerts/articles/{article.pk}/publish/", {"publish": "1"})

    assert (created.status_code, published.status_code) == (302, 302)
    article.refresh_from_db()
    assert (article.status, article.author) == (Article.Status.PUBLISHED, ngoc)
    assert client.get("/alerts/articles/mu-bao-hiem/").status_code == 200
