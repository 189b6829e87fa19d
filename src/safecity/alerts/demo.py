"""Demo warnings and awareness articles, written by the demo publisher and approved by the
demo commander through the same services as the pages (four-eyes, CAP check, audit).

Idempotent: an article with the same address, or a warning with the same headline still in
force, is left alone; demo warnings that have expired are published again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safecity.accounts.models import User
from safecity.alerts import services
from safecity.alerts.models import Alert, Article
from safecity.geography.models import Ward

Say = Callable[[str], None]

ARTICLES = (
    services.ArticleContent(
        slug="gia-danh-cong-an-goi-dien-lua-dao",
        topic=Article.Topic.SCAM,
        title_vi="Cảnh giác: kẻ gian giả danh công an gọi điện lừa đảo",
        summary_vi=(
            "Công an không bao giờ làm việc qua điện thoại, không yêu cầu chuyển tiền hay cài "
            "ứng dụng lạ để «xác minh» hay «bảo vệ tài khoản»."
        ),
        body_vi=(
            "Thủ đoạn: kẻ gian gọi điện, xưng là cán bộ công an (có khi gửi kèm hình thẻ ngành, "
            "lệnh bắt giả), nói bạn liên quan đến một vụ án rửa tiền hay ma tuý, rồi yêu cầu "
            "chuyển tiền vào «tài khoản tạm giữ» hoặc cài ứng dụng để «định danh điện tử»."
            "\n\n"
            "Hãy nhớ: công an làm việc trực tiếp, có giấy mời hoặc giấy triệu tập; không ai "
            "được yêu cầu bạn chuyển tiền qua điện thoại. Không cung cấp mã OTP, mật khẩu, "
            "không bấm vào đường dẫn lạ, không cài ứng dụng ngoài kho chính thức."
            "\n\n"
            "Nếu đã lỡ chuyển tiền: gọi ngay ngân hàng để phong toả giao dịch, rồi báo công an "
            "phường nơi gần nhất hoặc gọi 113."
        ),
        title_en="Beware: fraudsters pretending to be police officers on the phone",
        summary_en=(
            "The police never work by phone, never ask you to transfer money or install an app "
            "to 'verify' or 'protect' your account."
        ),
        body_en=(
            "The trick: a caller says he is a police officer, claims you are involved in a "
            "money-laundering or drugs case, and asks you to move money into a 'holding "
            "account' or to install an app.\n\nThe police work in person, with a written "
            "summons. Never give OTP codes or passwords. If you already paid, call your bank "
            "at once, then the nearest ward police station or 113."
        ),
    ),
    services.ArticleContent(
        slug="phong-chay-nha-ong",
        topic=Article.Topic.FIRE,
        title_vi="Phòng cháy, thoát nạn trong nhà ống",
        summary_vi=(
            "Nhà ống, nhà nhiều tầng có lồng sắt: chuẩn bị lối thoát thứ hai trước khi quá muộn."
        ),
        body_vi=(
            "Không để xe máy, đồ dễ cháy chắn lối đi ở tầng trệt; không sạc xe điện qua đêm "
            "trong nhà. Kiểm tra đường dây điện, không cắm nhiều thiết bị công suất lớn vào một "
            "ổ cắm."
            "\n\n"
            "Chuẩn bị lối thoát nạn thứ hai: lồng sắt, «chuồng cọp» phải có cửa mở được từ bên "
            "trong; để sẵn búa, thang dây ở tầng trên. Trang bị bình chữa cháy và đầu báo khói."
            "\n\n"
            "Khi có cháy: hô hoạn, ngắt điện nếu được, dùng khăn ướt che mũi, cúi thấp người "
            "thoát ra ngoài hoặc lên sân thượng, và gọi 114."
        ),
        title_en="Fire safety and escape in tube houses",
        body_en=(
            "Keep the ground floor clear of motorbikes and anything that burns; never charge an "
            "e-bike overnight indoors.\n\nPrepare a second way out: window cages must open "
            "from the inside. Keep an extinguisher and a smoke alarm.\n\nIn a fire: shout, cut "
            "the power if you can, cover your nose with a wet cloth, stay low, get out and "
            "call 114."
        ),
    ),
    services.ArticleContent(
        slug="doi-mu-bao-hiem-dung-cach",
        topic=Article.Topic.TRAFFIC,
        title_vi="Đội mũ bảo hiểm đúng cách khi đi xe máy",
        summary_vi="Mũ đạt chuẩn, cài quai chắc chắn: giảm gần 70% nguy cơ chấn thương đầu nặng.",
        body_vi=(
            "Chọn mũ có tem hợp quy (CR), vừa đầu, không quá rộng. Mũ «thời trang» mỏng không "
            "bảo vệ được bạn."
            "\n\n"
            "Cài quai: khoá chặt dưới cằm, chỉ vừa lọt một ngón tay. Mũ không cài quai sẽ văng "
            "ra khi va chạm."
            "\n\n"
            "Trẻ em từ 6 tuổi trở lên ngồi xe máy phải đội mũ bảo hiểm; chọn mũ đúng cỡ cho trẻ."
        ),
        title_en="Wearing a motorbike helmet the right way",
        body_en=(
            "Choose a certified helmet (CR mark) that fits. Fasten the strap under the chin, "
            "one finger of room. Children aged six and over must wear one too."
        ),
    ),
)


def _wards(*names: str) -> tuple[int, ...]:
    return tuple(
        Ward.objects.filter(province_id=settings.SAFECITY_PROVINCE_CODE, name__in=names)
        .values_list("code", flat=True)
        .order_by("code")
    )


def _in_force(publisher: User, headline: str) -> bool:
    return Alert.objects.filter(
        author=publisher, headline_vi=headline, expires__gt=timezone.now()
    ).exists()


def _publish(
    publisher: User, commander: User, content: services.AlertContent, *, replaces: Alert | None
) -> Alert:
    if replaces is None:
        draft = services.alert_draft_create(actor=publisher, content=content)
    else:
        draft = services.alert_update_draft(actor=publisher, alert=replaces, content=content)
    services.alert_approve(actor=commander, alert=draft)
    return services.alert_publish(actor=publisher, alert=draft)


def _articles(publisher: User) -> dict[str, Article]:
    found = {}
    for content in ARTICLES:
        article = Article.objects.filter(slug=content.slug).first()
        if article is None:
            article = services.article_create(actor=publisher, content=content)
            services.article_set_published(actor=publisher, article=article, published=True)
        found[content.slug] = article
    return found


def _flood(publisher: User, commander: User, now: datetime) -> int:
    headline = "Triều cường đạt đỉnh 1,75 m lúc 18 giờ: ngập 20–40 cm nhiều tuyến đường"
    if _in_force(publisher, headline):
        return 0
    wards = _wards("Phường Sài Gòn", "Phường Bến Thành", "Phường Cầu Ông Lãnh")
    first = services.AlertContent(
        category="Met",
        urgency="Expected",
        severity="Moderate",
        certainty="Likely",
        response_type="Avoid",
        event_vi="Triều cường, ngập đường",
        headline_vi="Triều cường dâng cao chiều nay, nguy cơ ngập khu trung tâm",
        description_vi=(
            "Đài khí tượng thuỷ văn dự báo triều cường chiều tối nay lên cao, các tuyến đường "
            "trũng ở khu trung tâm có thể ngập 10–30 cm từ 16 giờ đến 20 giờ."
        ),
        instruction_vi=(
            "Hạn chế di chuyển qua các tuyến đường trũng; không để xe ở tầng hầm; theo dõi "
            "thông báo tiếp theo."
        ),
        event_en="King tide, street flooding",
        headline_en="High tide this afternoon: central streets may flood",
        description_en="Low-lying streets in the centre may flood 10–30 cm from 4 pm to 8 pm.",
        instruction_en="Avoid low-lying streets; do not park in basements.",
        expires=now + timedelta(days=1),
        ward_codes=wards,
    )
    alert = _publish(publisher, commander, first, replaces=None)
    update = services.AlertContent(
        **{
            **first.__dict__,
            "urgency": "Immediate",
            "certainty": "Observed",
            "headline_vi": headline,
            "description_vi": (
                "Triều cường đạt đỉnh 1,75 m lúc 18 giờ. Nước ngập 20–40 cm trên các đường Tôn "
                "Đức Thắng, Nguyễn Thái Bình, Bến Vân Đồn; lực lượng công an đang phân luồng."
            ),
            "headline_en": "Tide peaks at 1.75 m at 6 pm: streets flooded 20–40 cm",
            "description_en": "Several central streets are flooded 20–40 cm; police are "
            "diverting traffic.",
            "ward_codes": (*wards, *_wards("Phường Xóm Chiếu")),
        }
    )
    _publish(publisher, commander, update, replaces=alert)
    return 2


def _fire(publisher: User, commander: User, now: datetime, article: Article) -> int:
    headline = "Cháy kho hàng tại phường Tân Hưng: khói lan rộng, tránh khu vực"
    if _in_force(publisher, headline):
        return 0
    content = services.AlertContent(
        category="Fire",
        urgency="Immediate",
        severity="Severe",
        certainty="Observed",
        response_type="Shelter",
        event_vi="Cháy lớn",
        headline_vi=headline,
        description_vi=(
            "Một kho hàng gần đường Nguyễn Thị Thập đang cháy. Lực lượng chữa cháy đang dập lửa; "
            "khói dày lan trong bán kính khoảng 1 km."
        ),
        instruction_vi=(
            "Người dân trong khu vực đóng cửa sổ, ở trong nhà, không đến gần hiện trường để "
            "xem; nhường đường cho xe chữa cháy. Gọi 114 khi cần cứu nạn."
        ),
        expires=now + timedelta(hours=12),
        area_desc_vi="Bán kính 1 km quanh kho hàng đường Nguyễn Thị Thập",
        circles=({"lat": 10.7381, "lon": 106.7035, "radius_km": 1.0},),
        article_ids=(article.pk,),
    )
    _publish(publisher, commander, content, replaces=None)
    return 1


def _traffic(publisher: User, commander: User, now: datetime, article: Article) -> int:
    headline = "Cấm xe quanh phố đi bộ Nguyễn Huệ tối thứ Bảy, Chủ nhật"
    if _in_force(publisher, headline):
        return 0
    content = services.AlertContent(
        category="Transport",
        urgency="Future",
        severity="Minor",
        certainty="Likely",
        response_type="Avoid",
        event_vi="Phân luồng giao thông",
        headline_vi=headline,
        description_vi=(
            "Phục vụ sự kiện văn hoá, các tuyến quanh phố đi bộ Nguyễn Huệ cấm xe từ 18 giờ "
            "đến 23 giờ tối thứ Bảy và Chủ nhật."
        ),
        instruction_vi="Đi theo hướng dẫn của cảnh sát giao thông; gửi xe tại các bãi quy định.",
        event_en="Traffic diversion",
        headline_en="No vehicles around Nguyen Hue walking street on weekend evenings",
        description_en="Streets around Nguyen Hue are closed to traffic from 6 pm to 11 pm.",
        expires=now + timedelta(days=7),
        area_desc_vi="Khu vực phố đi bộ Nguyễn Huệ",
        area_desc_en="Around Nguyen Hue walking street",
        polygons=(
            (
                (10.7768, 106.7002),
                (10.7755, 106.7030),
                (10.7718, 106.7052),
                (10.7712, 106.7039),
                (10.7750, 106.7000),
            ),
        ),
        article_ids=(article.pk,),
    )
    _publish(publisher, commander, content, replaces=None)
    return 1


@transaction.atomic
def demo_load(say: Say) -> None:
    publisher = User.objects.filter(username="publisher", is_active=True).first()
    commander = User.objects.filter(username="commander", is_active=True).first()
    if publisher is None or commander is None:
        say("  warnings skipped: the demo users 'publisher' and 'commander' do not exist")
        return
    articles = _articles(publisher)
    now = timezone.now()
    made = _flood(publisher, commander, now)
    made += _fire(publisher, commander, now, articles["phong-chay-nha-ong"])
    made += _traffic(publisher, commander, now, articles["doi-mu-bao-hiem-dung-cach"])
    say(f"  {len(articles)} awareness articles, {made} warnings published")
