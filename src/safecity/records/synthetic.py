"""Synthetic people, plates and phones for the demo and the search benchmark: realistic
Vietnamese names with the real shape of their frequencies, valid CCCDs, HCMC plates.

Family-name shares follow published surname surveys (Nguyễn about 38 %, then Trần, Lê, Phạm,
Hoàng/Huỳnh, Phan, Vũ/Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý …), with Huỳnh and Võ, the
southern forms, ahead of Hoàng and Vũ as in Ho Chi Minh City. Middle and given names are
weighted by a Zipf-like curve over common lists. Everything is drawn from a seeded
``random.Random``: the same seed gives the same people.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FAMILY_NAMES = (
    ("Nguyễn", 38.4),
    ("Trần", 12.1),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Huỳnh", 3.1),
    ("Hoàng", 2.0),
    ("Phan", 4.5),
    ("Võ", 2.4),
    ("Vũ", 1.5),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Trương", 0.9),
    ("Đinh", 0.6),
    ("Lâm", 0.6),
    ("Mai", 0.5),
    ("Đoàn", 0.5),
    ("Cao", 0.4),
    ("Lưu", 0.4),
    ("Tô", 0.3),
    ("Châu", 0.3),
    ("Thái", 0.3),
    ("Tạ", 0.2),
    ("Quách", 0.2),
    ("La", 0.2),
    ("Hà", 0.3),
)
MALE_MIDDLE = _words(
    "Văn Đức Minh Quốc Hữu Thanh Hoàng Công Ngọc Quang Xuân Thành Trung Tuấn Anh Gia Bảo "
    "Đình Trọng Nhật"
)
FEMALE_MIDDLE = _words(
    "Thị Ngọc Thu Thanh Minh Kim Hồng Bích Mai Phương Thuỳ Khánh Hoài Diệu Mỹ Bảo Thảo "
    "Cẩm Tuyết Lan"
)
# Given names, commonest first (weighted by rank below).
MALE_GIVEN = _words(
    "Anh Minh Hùng Dũng Tuấn Nam Hải Huy Long Thành Phúc Khang Bảo Đức Quân Sơn Trung "
    "Hiếu Cường Thắng Hoàng Tài Vinh Tùng Duy Khoa Phát Lộc Nghĩa Hưng Thịnh Toàn Tâm "
    "Việt Đạt Kiên Trí Nhân Hoà Bình Phong Quang Tân Thiện Sang Luân Khánh Lâm An Vũ "
    "Dương Hào Thái Trọng Tú Hậu Lực Mạnh Tiến Danh"
)
FEMALE_GIVEN = _words(
    "Anh Linh Trang Hương Ngọc Thảo Hà Lan Mai Phương Hằng Nhung Hoa Thuý Thu Vy Nhi Yến "
    "Huyền Giang Dung Hạnh Loan Hiền Trâm Uyên Quỳnh Ly My Chi Ngân Oanh Tâm Thanh Hồng "
    "Vân Tuyết Diễm Châu Xuân Thuỷ Hoà Duyên Trinh Quyên Liên Nga Bích An Khánh Hoài Kiều "
    "Lệ Mỹ Nguyệt Như Phượng Thơ Trúc Tiên"
)
# Ho Chi Minh City's province code first; others as people move to the city to work.
CCCD_PROVINCES = (
    (79, 60), (74, 5), (75, 5), (77, 4), (80, 4), (82, 3), (89, 3), (1, 3),
    (38, 2), (40, 2), (52, 2), (92, 2), (94, 2), (96, 2), (86, 1),
)  # fmt: skip
HCMC_CAR_LOCALITIES = (51, 50, 41)
HCMC_BIKE_LOCALITIES = (59, 50, 51, 52, 53, 54, 55, 56, 57, 58)
CAR_SERIES = "ABCDEFGHKLMNPSTUVXYZ"
BIKE_SERIES = "ABCDEFGHKLMNPSTUVXYZ"
# Mobile ranges that ``phonenumbers`` accepts (089 is only partly allocated: left out).
MOBILE_PREFIXES = _words(
    "090 093 070 079 077 091 094 088 086 096 097 098 032 033 034 035 036 037 038 039 056 "
    "058 081 082 083 084 085 087"
)
CAR_MAKES = (
    ("Toyota", ("Vios", "Innova", "Corolla Cross", "Fortuner")),
    ("Hyundai", ("Accent", "Grand i10", "Tucson")),
    ("Kia", ("Morning", "Seltos")),
    ("Mazda", ("Mazda3", "CX-5")),
    ("Honda", ("City", "CR-V")),
    ("VinFast", ("VF 5", "VF 8", "Lux A2.0")),
    ("Ford", ("Ranger", "Everest")),
)
BIKE_MAKES = (
    ("Honda", ("Wave Alpha", "Vision", "Air Blade", "SH Mode", "Winner X")),
    ("Yamaha", ("Exciter", "Sirius", "Janus", "Grande")),
    ("Suzuki", ("Raider", "Satria")),
    ("Piaggio", ("Vespa Sprint", "Liberty")),
    ("VinFast", ("Feliz S", "Evo200", "Klara S")),
)
COLOURS = ("đen", "trắng", "bạc", "đỏ", "xanh", "xám", "vàng", "nâu")
STREETS = (
    "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Nguyễn Trãi",
    "Lý Thường Kiệt", "Phan Đăng Lưu", "Võ Văn Tần", "Trần Hưng Đạo", "Nguyễn Văn Cừ",
    "Lê Văn Sỹ", "Hoàng Văn Thụ", "Phạm Văn Đồng", "Quang Trung",
)  # fmt: skip


def _zipf(items: tuple[str, ...], exponent: float = 0.9) -> tuple[list[str], list[float]]:
    return list(items), [1 / (rank**exponent) for rank in range(1, len(items) + 1)]


@dataclass(frozen=True)
class SyntheticPerson:
    number: int
    full_name: str
    family: str
    middle: str
    given: str
    gender: str
    birth_date: date
    cccd: str
    ward_code: int | None
    address: str
    phone: str


class Generator:
    """Seeded, so the demo and the benchmark's ground truth are reproducible."""

    def __init__(self, seed: int, ward_codes: list[int] | None = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible fake data, no secret
        self.ward_codes = ward_codes or []
        self._families = [n for n, _w in FAMILY_NAMES], [w for _n, w in FAMILY_NAMES]
        self._male_middle = _zipf(MALE_MIDDLE, 1.4)
        self._female_middle = _zipf(FEMALE_MIDDLE, 1.6)
        self._male_given = _zipf(MALE_GIVEN)
        self._female_given = _zipf(FEMALE_GIVEN)
        self._provinces = [f"{c:03d}" for c, _w in CCCD_PROVINCES], [w for _c, w in CCCD_PROVINCES]
        self._cccds: set[str] = set()
        self._plates: set[str] = set()
        self._phones: set[str] = set()
        self._count = 0

    def _pick(self, table: tuple[list[str], Sequence[float]]) -> str:
        return self.rng.choices(table[0], table[1])[0]

    def name(self, gender: str) -> tuple[str, str, str]:
        male = gender == "male"
        family = self._pick(self._families)
        middle = self._pick(self._male_middle if male else self._female_middle)
        if self.rng.random() < 0.15:  # a second middle name: "Nguyễn Thị Thanh Hoà"
            second = self._pick(self._male_middle if male else self._female_middle)
            if second != middle:
                middle = f"{middle} {second}"
        given = self._pick(self._male_given if male else self._female_given)
        return family, middle, given

    def cccd(self, birth: date, gender: str) -> str:
        century = (birth.year - 1900) // 100
        digit = 2 * century + (0 if gender == "male" else 1)
        province = self._pick(self._provinces)
        while True:
            number = f"{province}{digit}{birth.year % 100:02d}{self.rng.randrange(10**6):06d}"
            if number not in self._cccds:
                self._cccds.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**7):07d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def person(self) -> SyntheticPerson:
        self._count += 1
        gender = "male" if self.rng.random() < 0.5 else "female"
        family, middle, given = self.name(gender)
        birth = date(1945, 1, 1) + timedelta(days=self.rng.randrange(365 * 62))
        ward = self.rng.choice(self.ward_codes) if self.ward_codes else None
        address = (
            f"{self.rng.randrange(1, 400)} {self.rng.choice(STREETS)}"
            if self.rng.random() < 0.9
            else f"{self.rng.randrange(1, 200)}/{self.rng.randrange(1, 60)} "
            f"{self.rng.choice(STREETS)}"
        )
        return SyntheticPerson(
            number=self._count,
            full_name=f"{family} {middle} {given}",
            family=family,
            middle=middle,
            given=given,
            gender=gender,
            birth_date=birth,
            cccd=self.cccd(birth, gender),
            ward_code=ward,
            address=address,
            phone=self.phone() if self.rng.random() < 0.7 else "",
        )

    def plate(self, *, car: bool) -> str:
        """A compact HCMC plate key: "51F12345" (car) or "59X112345" (motorbike)."""
        while True:
            if car:
                key = (
                    f"{self.rng.choice(HCMC_CAR_LOCALITIES)}{self.rng.choice(CAR_SERIES)}"
                    f"{self.rng.randrange(10**5):05d}"
                )
            else:
                key = (
                    f"{self.rng.choice(HCMC_BIKE_LOCALITIES)}{self.rng.choice(BIKE_SERIES)}"
                    f"{self.rng.randrange(1, 10)}{self.rng.randrange(10**5):05d}"
                )
            if key not in self._plates:
                self._plates.add(key)
                return key

    def vehicle(self, *, car: bool) -> dict[str, str]:
        make, models = self.rng.choice(CAR_MAKES if car else BIKE_MAKES)
        return {
            "plate": self.plate(car=car),
            "kind": "car" if car else "motorbike",
            "brand": make,
            "model": self.rng.choice(models),
            "color": self.rng.choice(COLOURS),
            "chassis": f"RL{self.rng.randrange(10**12):012d}",
            "engine": f"E{self.rng.randrange(10**9):09d}",
            "status": "registered",
        }
