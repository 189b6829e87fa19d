"""Demo cameras: about 150 plate cameras on the approaches of well-known HCMC intersections
(each checked to fall inside a ward of the province), a stolen-vehicles watchlist of the
command centre and a be-on-the-lookout list of the criminal police, both listing plates of the
demo vehicle records, and an hour of plate reads so the map's popups and the hits queue are
not empty.

Idempotent: nothing is added when cameras exist already.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from safecity.accounts.models import Unit
from safecity.cameras import plate_index, services
from safecity.cameras.models import Camera, Watchlist
from safecity.core.identifiers import plate_key
from safecity.geography.selectors import ward_at

Say = Callable[[str], None]
SEED = 2025
CAMERAS = 150

# (name, latitude, longitude) of intersections and main-road points; approximate, each camera
# is kept only where its point lies inside a ward of the province.
PLACES = (
    ("Vòng xoay Quách Thị Trang (chợ Bến Thành)", 10.7721, 106.6983),
    ("Lê Lợi – Nam Kỳ Khởi Nghĩa", 10.7735, 106.7003),
    ("Nguyễn Huệ – Lê Thánh Tôn", 10.7758, 106.7018),
    ("Ngã sáu Phù Đổng", 10.7717, 106.6935),
    ("Cách Mạng Tháng Tám – Nguyễn Thị Minh Khai", 10.7755, 106.6885),
    ("Nam Kỳ Khởi Nghĩa – Nguyễn Đình Chiểu", 10.7820, 106.6920),
    ("Điện Biên Phủ – Hai Bà Trưng", 10.7890, 106.6955),
    ("Vòng xoay Dân Chủ", 10.7780, 106.6815),
    ("Ngã tư Hàng Xanh", 10.8015, 106.7113),
    ("Cầu Sài Gòn", 10.7988, 106.7228),
    ("Ngã tư Phú Nhuận", 10.7993, 106.6804),
    ("Ngã tư Bảy Hiền", 10.7931, 106.6535),
    ("Vòng xoay Lăng Cha Cả", 10.8006, 106.6600),
    ("Trường Chinh – Cộng Hòa", 10.8015, 106.6520),
    ("Trường Sơn (sân bay Tân Sơn Nhất)", 10.8120, 106.6650),
    ("Ngã sáu Gò Vấp", 10.8226, 106.6877),
    ("Quang Trung – Nguyễn Kiệm", 10.8260, 106.6790),
    ("Phạm Văn Đồng – Lê Quang Định", 10.8195, 106.6930),
    ("Ngã tư Thủ Đức", 10.8495, 106.7718),
    ("Ngã tư Bình Thái", 10.8329, 106.7625),
    ("Lê Văn Việt – Đình Phong Phú", 10.8440, 106.7770),
    ("Nút giao Cát Lái", 10.7865, 106.7730),
    ("Vòng xoay Mỹ Thủy", 10.7630, 106.7770),
    ("Ngã tư Ga", 10.8650, 106.6780),
    ("Ngã tư An Sương", 10.8437, 106.6130),
    ("Ngã tư Bốn Xã", 10.7700, 106.6276),
    ("Vòng xoay Phú Lâm", 10.7525, 106.6350),
    ("Vòng xoay Cây Gõ", 10.7605, 106.6445),
    ("Hồng Bàng – Châu Văn Liêm", 10.7530, 106.6585),
    ("Trần Hưng Đạo – Nguyễn Văn Cừ", 10.7590, 106.6845),
    ("Võ Văn Kiệt – Hàm Tử", 10.7530, 106.6700),
    ("Nguyễn Tất Thành – cầu Kênh Tẻ", 10.7530, 106.7080),
    ("Nguyễn Văn Linh – Nguyễn Hữu Thọ", 10.7290, 106.6986),
    ("Nguyễn Văn Linh – Huỳnh Tấn Phát", 10.7370, 106.7290),
    ("Nguyễn Hữu Thọ – Nhà Bè", 10.6930, 106.7030),
    ("Quốc lộ 1 – Nguyễn Văn Linh (Bình Chánh)", 10.7195, 106.6095),
    ("Ngã tư Hóc Môn", 10.8870, 106.5920),
    ("Ngã tư Tân Quy (Củ Chi)", 10.9730, 106.5100),
    ("Đại lộ Bình Dương – Yersin (Thủ Dầu Một)", 10.9805, 106.6530),
    ("Ngã tư Lái Thiêu", 10.9040, 106.7010),
    ("Ngã tư 550 (Dĩ An)", 10.9000, 106.7600),
    ("Quốc lộ 51 – Cách Mạng Tháng Tám (Bà Rịa)", 10.4960, 107.1690),
    ("Vòng xoay Ba Cu (Vũng Tàu)", 10.3460, 107.0840),
)
# Each intersection's approaches: (code letter, label, north and east offsets in degrees, the
# heading the camera faces — towards the junction).
APPROACHES = (
    ("N", "hướng Bắc", 0.0004, 0.0, 180.0),
    ("S", "hướng Nam", -0.0004, 0.0, 0.0),
    ("E", "hướng Đông", 0.0, 0.0004, 270.0),
    ("W", "hướng Tây", 0.0, -0.0004, 90.0),
)


def _owner() -> Unit | None:
    """The traffic police department, else the force."""
    return (
        Unit.objects.filter(function=Unit.Function.TRAFFIC, kind=Unit.Kind.DEPARTMENT).first()
        or Unit.objects.filter(parent__isnull=True).order_by("id").first()
    )


def cameras_load(owner: Unit) -> list[Camera]:
    made: list[Camera] = []
    province = settings.SAFECITY_PROVINCE_CODE
    for number, (place, lat, lon) in enumerate(PLACES, start=1):
        for letter, label, dlat, dlon, heading in APPROACHES:
            if len(made) >= CAMERAS:
                return made
            point = (lat + dlat, lon + dlon)
            ward = ward_at(*point)
            if ward is None or ward.province_id != province:
                continue
            made.append(
                services.camera_create(
                    code=f"CAM-{number:03d}-{letter}",
                    name=f"{place} – {label}",
                    lat=point[0],
                    lon=point[1],
                    unit=owner,
                    ward_code=ward.code,
                    heading_deg=heading,
                    fov_deg=60.0,
                )
            )
    return made


def _vehicle_plates(limit: int) -> list[str]:
    from safecity.records.models import Vehicle

    return list(Vehicle.objects.order_by("id").values_list("plate", flat=True)[:limit])


def watchlists_load(rng: random.Random, plates: list[str]) -> tuple[Watchlist, Watchlist] | None:
    command = Unit.objects.filter(kind=Unit.Kind.COMMAND).order_by("id").first()
    criminal = (
        Unit.objects.filter(function=Unit.Function.CRIMINAL, kind=Unit.Kind.DEPARTMENT).first()
        or command
    )
    if command is None or criminal is None or len(plates) < 60:
        return None
    stolen = services.watchlist_create(
        name="Xe bị trộm cắp",
        kind=Watchlist.Kind.STOLEN,
        reason="Phương tiện được trình báo mất trộm, chưa tìm thấy.",
        unit=command,
        actor=None,
    )
    bolo = services.watchlist_create(
        name="Truy tìm phương tiện (BOLO)",
        kind=Watchlist.Kind.BOLO,
        reason="Phương tiện liên quan các vụ án đang điều tra.",
        unit=criminal,
        actor=None,
    )
    chosen = rng.sample(plates, 60)
    services.entries_add_many(
        watchlist=stolen,
        rows=[
            {
                "plate": plate,
                "reason": f"Trình báo mất xe, hồ sơ số {rng.randint(100, 999)}/TB",
                "priority": rng.choice(["normal", "normal", "high"]),
                "allow_one_edit": i % 10 == 0,
            }
            for i, plate in enumerate(chosen[:45])
        ],
        actor=None,
    )
    services.entries_add_many(
        watchlist=bolo,
        rows=[
            {
                "plate": plate,
                "reason": rng.choice(
                    [
                        "Nghi dùng trong vụ cướp giật",
                        "Liên quan vụ trộm tài sản",
                        "Bỏ chạy sau tai nạn giao thông",
                    ]
                ),
                "priority": rng.choice(["high", "critical"]),
            }
            for plate in chosen[45:]
        ],
        actor=None,
    )
    return stolen, bolo


def reads_load(
    rng: random.Random, cameras: list[Camera], plates: list[str], listed: list[str]
) -> int:
    """An hour of reads: 20 a camera, a few of listed plates (some misread), some unreadable."""
    now = timezone.now()
    misread = str.maketrans({"1": "I", "0": "O", "5": "S", "8": "B"})
    keys = {plate_key(p) for p in listed}
    plates = [p for p in plates if plate_key(p) not in keys]
    reads = []
    for camera in cameras:
        for _ in range(20):
            roll = rng.random()
            if roll < 0.01 and listed:
                plate = rng.choice(listed)
                plate = plate.translate(misread) if rng.random() < 0.5 else plate
            elif roll < 0.04:
                plate = rng.choice(["", "??", "5I-"])
            else:
                plate = rng.choice(plates)
            reads.append(
                {
                    "camera": camera.code,
                    "ts": (now - timedelta(seconds=rng.randint(60, 3600))).isoformat(),
                    "plate": plate,
                    "confidence": round(rng.uniform(0.6, 0.99), 2),
                    "vehicle_type": rng.choice(["car", "motorbike", "motorbike", "truck"]),
                    "color": rng.choice(["trắng", "đen", "bạc", "đỏ", "xanh"]),
                    "direction": rng.choice(["in", "out"]),
                }
            )
    accepted = 0
    for start in range(0, len(reads), 1000):
        accepted += services.reads_ingest(
            reads=reads[start : start + 1000], trusted=True, source="demo"
        ).accepted
    plate_index.merge_all()  # before the command exits, rather than on the server's first read
    return accepted


def demo_load(say: Say = print) -> None:
    if Camera.objects.exists():
        say("  cameras already loaded")
        return
    owner = _owner()
    if owner is None:
        say("  no unit to own the cameras")
        return
    rng = random.Random(SEED)  # noqa: S311 - reproducible fake data, no secret
    cameras = cameras_load(owner)
    plates = _vehicle_plates(2000)
    lists = watchlists_load(rng, plates)
    listed = [e.display for w in lists for e in w.entries.all()] if lists else []
    accepted = reads_load(rng, cameras, plates, listed) if plates else 0
    say(
        f"  {len(cameras)} plate cameras, {len(listed)} listed plates on "
        f"{2 if lists else 0} watchlists, {accepted:,} plate reads"
    )
