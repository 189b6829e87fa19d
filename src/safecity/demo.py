"""Demo data: the force's unit tree (with one station per ward), the demo accounts.

Idempotent: running it again changes nothing that exists. The composition root: like
``urls.py`` and ``api.py``, it may use every app; later apps add their demo data here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from safecity.accounts import services as accounts
from safecity.accounts.models import Clearance, Rank, Unit, User
from safecity.geography import selectors as geography_selectors
from safecity.geography.models import Ward
from safecity.geography.services import geography_load

Say = Callable[[str], None]

DEPARTMENTS = (
    # (code suffix, name, function)
    ("PC08", "Phòng Cảnh sát giao thông", Unit.Function.TRAFFIC),
    ("PC06", "Phòng Cảnh sát quản lý hành chính về trật tự xã hội", Unit.Function.ADMINISTRATIVE),
    (
        "A05",
        "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao",
        Unit.Function.CYBER,
    ),
    ("PC02", "Phòng Cảnh sát hình sự", Unit.Function.CRIMINAL),
    ("PC07", "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ", Unit.Function.FIRE),
    ("PK02", "Trung đoàn Cảnh sát cơ động (lực lượng 363)", Unit.Function.RAPID_RESPONSE),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    unit: str  # code suffix, "" for the force itself
    roles: tuple[str, ...]
    rank: str = Rank.CAPTAIN
    clearance: int = Clearance.UNCLASSIFIED
    is_staff: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin", "Trần Quốc Bảo", "", ("system_administrator",), is_staff=True),
    DemoAccount("calltaker", "Lê Thị Mai", "TTCH", ("call_taker",), rank=Rank.SENIOR_SERGEANT),
    DemoAccount("dispatcher", "Nguyễn Văn Minh", "TTCH", ("dispatcher",)),
    DemoAccount(
        "commander",
        "Phạm Đức Thắng",
        "",
        ("commander",),
        rank=Rank.COLONEL,
        clearance=Clearance.SECRET,
    ),
    DemoAccount("patrol1", "Võ Văn Hùng", "STATION", ("patrol_officer",), rank=Rank.SERGEANT),
    DemoAccount(
        "investigator",
        "Đặng Thị Hoà",
        "PC02",
        ("investigator",),
        rank=Rank.MAJOR,
        clearance=Clearance.CONFIDENTIAL,
    ),
    DemoAccount("publisher", "Huỳnh Ngọc Lan", "TTCH", ("alert_publisher",)),
    DemoAccount(
        "cameraop", "Bùi Thanh Tùng", "PC08", ("camera_operator",), rank=Rank.FIRST_LIEUTENANT
    ),
    DemoAccount("auditor", "Ngô Thị Thu", "", ("auditor",), rank=Rank.LIEUTENANT_COLONEL),
)
DEMO_STATION_WARD = "Phường Sài Gòn"


def station_name(ward: Ward) -> str:
    """ "Phường Sài Gòn" → "Công an phường Sài Gòn" (the division word in lower case)."""
    return f"Công an {ward.division_type} {ward.short_name}"


@transaction.atomic
def units_load(say: Say) -> dict[str, Unit]:
    province = geography_selectors.force_province()
    if province is None:
        raise RuntimeError(f"province {settings.SAFECITY_PROVINCE_CODE} is not loaded")
    prefix = f"CA{province.code:02d}"
    force = accounts.unit_ensure(
        code=prefix, name=f"Công an {province.name}", kind=Unit.Kind.FORCE, city_wide=True
    )
    units = {"": force}
    units["TTCH"] = accounts.unit_ensure(
        code=f"{prefix}-TTCH",
        name="Trung tâm Chỉ huy",
        kind=Unit.Kind.COMMAND,
        parent=force,
        city_wide=True,
    )
    for suffix, name, function in DEPARTMENTS:
        units[suffix] = accounts.unit_ensure(
            code=f"{prefix}-{suffix}",
            name=name,
            kind=Unit.Kind.DEPARTMENT,
            parent=force,
            function=function,
        )
    stations = 0
    for ward in geography_selectors.wards_of(province.code):
        unit = accounts.unit_ensure(
            code=f"{prefix}-W{ward.code:05d}",
            name=station_name(ward),
            kind=Unit.Kind.STATION,
            parent=force,
            ward_code=ward.code,
        )
        stations += 1
        if ward.name == DEMO_STATION_WARD:
            units["STATION"] = unit
    units.setdefault("STATION", Unit.objects.filter(kind=Unit.Kind.STATION).order_by("id")[0])
    say(f"  {force.name}: {len(DEPARTMENTS)} departments, command centre, {stations} stations")
    return units


@transaction.atomic
def accounts_load(units: dict[str, Unit], password: str, say: Say) -> None:
    for number, account in enumerate(DEMO_ACCOUNTS, start=1):
        if User.objects.filter(username=account.username).exists():
            continue
        accounts.officer_create(
            username=account.username,
            password=password,
            unit=units[account.unit],
            full_name=account.full_name,
            badge_number=f"{units[''].code}-{number:04d}",
            rank=account.rank,
            roles=list(account.roles),
            clearance=account.clearance,
            is_staff=account.is_staff,
        )
    if not User.objects.filter(username="citizen1").exists():
        accounts.citizen_create(
            username="citizen1",
            password=password,
            full_name="Trương Thị Ngọc",
            phone="+84901234567",
        )


# (ward name, category, description, reporter phone) — a morning's worth of reports.
DEMO_REPORTS = (
    (
        "Phường Sài Gòn",
        "traffic_accident",
        "Va chạm giữa xe máy và ô tô trên đường Lê Lợi, một người bị thương nhẹ.",
        "0903111222",
    ),
    ("Phường Sài Gòn", "traffic_accident", "Tai nạn giao thông ở Lê Lợi, xe cộ ùn tắc.", ""),
    ("Phường Bến Thành", "security", "Nhóm thanh niên gây rối trước chợ.", "0912345678"),
    ("Phường Chợ Lớn", "fire", "Khói bốc lên từ tầng 2 một nhà ống, có mùi khét.", "0987654321"),
    ("Phường Thủ Dầu Một", "medical", "Người lớn tuổi ngất trên vỉa hè.", ""),
)


@transaction.atomic
def reports_load(say: Say) -> None:
    """A few open incidents so the queue and map are not empty on first start."""
    from safecity.incidents.models import Channel, Report
    from safecity.incidents.services import ReportInput, report_submit

    if Report.objects.exists():
        return
    made = 0
    for ward_name, category, description, phone in DEMO_REPORTS:
        ward = Ward.objects.filter(
            province_id=settings.SAFECITY_PROVINCE_CODE, name=ward_name
        ).first()
        if ward is None or ward.label_lat is None or ward.label_lon is None:
            continue
        report_submit(
            data=ReportInput(
                category=category,
                description=description,
                lat=ward.label_lat,
                lon=ward.label_lon,
                reporter_phone=phone,
            ),
            channel=Channel.WEB,
        )
        made += 1
    say(f"  {made} reports")


def demo_load(say: Say = print) -> None:
    say("Geography")
    geography_load(progress=say)
    say(f"Units (province {settings.SAFECITY_PROVINCE_CODE})")
    units = units_load(say)
    say("Demo accounts")
    accounts_load(units, settings.SAFECITY_DEMO_PASSWORD or "safecity-demo", say)
    say("Reports and incidents")
    reports_load(say)
    say("Warnings and articles")
    from safecity.alerts.demo import demo_load as alerts_demo_load

    alerts_demo_load(say)
    say("Integrated records (persons, vehicles, phones, cases)")
    from safecity.incidents.models import Incident
    from safecity.records.demo import demo_load as records_demo_load

    records_demo_load(
        say, incident_ids=Incident.objects.order_by("id").values_list("id", flat=True)
    )
    say("Patrol units and dispatches")
    from safecity.dispatch.demo import demo_load as dispatch_demo_load

    dispatch_demo_load(say)
    say("Plate cameras, watchlists and reads")
    from safecity.cameras.demo import demo_load as cameras_demo_load

    cameras_demo_load(say)
    say("A month of past incidents (hotspots, statistics)")
    from safecity.map.demo import history_load

    history_load(say)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, roles, unit) of every demo account, for the start-up banner."""
    from safecity.accounts.roles import role_label

    rows = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.select_related("unit").filter(username=account.username).first()
        if user is not None:
            roles = ", ".join(role_label(r) for r in account.roles)
            rows.append((user.username, roles, user.unit.name if user.unit else ""))
    rows.append(("citizen1", str(User.Kind.CITIZEN.label), ""))
    return rows
