"""The demo warnings: a flooding warning and its Update, a fire warning with a circle and a
traffic warning with a polygon, three awareness articles — all written by the demo publisher,
approved by the demo commander, every CAP message valid, and nothing new on a second run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from safecity.accounts.models import User
from safecity.alerts.demo import demo_load
from safecity.alerts.models import Alert, Article
from safecity.demo import demo_load as platform_demo_load
from safecity.geography.selectors import ward_locator_reset
from tests.alerts.conftest import NS, assert_valid_cap


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[str]]:
    """The platform demo and the warnings demo, loaded once for this module inside a
    transaction rolled back after it. Returns what the warnings demo said."""
    said: list[str] = []
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        platform_demo_load(say=lambda _line: None)
        if not Alert.objects.exists():  # unless the platform demo already calls ours
            demo_load(say=said.append)
        yield said
        transaction.set_rollback(True)
    ward_locator_reset()


@pytest.fixture
def demo(loaded: list[str], db: None) -> list[str]:
    return loaded


def test_it_publishes_the_demo_warnings_through_four_eyes(demo: list[str]):
    messages = Alert.objects.filter(status__in=Alert.SENT)

    assert messages.count() == 4
    for alert in messages:
        assert alert.author.username == "publisher"
        assert alert.approved_by.username == "commander"  # type: ignore[union-attr]
        assert alert.identifier and alert.identifier.startswith("vn.gov.ca.hcm.safecity.")


def test_it_makes_every_demo_message_xsd_valid(demo: list[str]):
    for alert in Alert.objects.filter(status__in=Alert.SENT):
        root = assert_valid_cap(alert.xml)
        assert root.findtext("cap:sent", namespaces=NS).endswith("+07:00")  # type: ignore[union-attr]


def test_it_updates_the_flooding_warning(demo: list[str]):
    update = Alert.objects.get(msg_type=Alert.MsgType.UPDATE)
    first = update.replaces

    assert first is not None and first.status == Alert.Status.SUPERSEDED
    assert update.status == Alert.Status.PUBLISHED
    assert update.references.split(",")[1] == first.identifier
    assert set(update.wards.values_list("name", flat=True)) >= {
        "Phường Sài Gòn",
        "Phường Xóm Chiếu",
    }


def test_it_draws_a_circle_and_a_polygon(demo: list[str]):
    fire = Alert.objects.get(category="Fire")
    traffic = Alert.objects.get(category="Transport")

    assert "<circle>10.7381,106.7035 1</circle>" in fire.xml
    assert traffic.xml.count("<polygon>") == 2  # one in each language's info block
    assert fire.articles.get().slug == "phong-chay-nha-ong"


def test_it_publishes_three_awareness_articles(demo: list[str]):
    articles = Article.objects.filter(status=Article.Status.PUBLISHED)

    assert sorted(a.topic for a in articles) == ["fire", "scam", "traffic"]
    assert demo == ["  3 awareness articles, 4 warnings published"] or demo == []


def test_it_adds_nothing_when_run_again(demo: list[str]):
    before = (Alert.objects.count(), Article.objects.count())
    said: list[str] = []

    demo_load(say=said.append)

    assert (Alert.objects.count(), Article.objects.count()) == before
    assert said == ["  3 awareness articles, 0 warnings published"]


def test_it_skips_with_a_message_when_the_demo_users_are_missing(demo: list[str]):
    User.objects.filter(username="commander").update(is_active=False)
    before = Alert.objects.count()
    said: list[str] = []

    demo_load(say=said.append)

    assert Alert.objects.count() == before
    assert said == ["  warnings skipped: the demo users 'publisher' and 'commander' do not exist"]
