"""Deterministic generator of a fictional demo region (format ``registratura-region/1``).

Geography (cities, районы, organization types) is the public list in ``orenburg-region.json``;
organizations, addresses, phones and doctors are invented from word lists. The same seed and
scale always give the same file. ``o-0001`` is always a city polyclinic of Orenburg with a
district therapist (attachment required) and several self-bookable services with 2+ doctors:
other services' demo patients and tests rely on it.
"""
from __future__ import annotations

import json
import random
import zlib
from importlib import resources

from . import names
from .profiles import PROFILES
from .schedules import random_schedule

FORMAT = "registratura-region/1"
CAPITAL = "г. Оренбург"
# Type index (order of the region data) → profile and how many per capital / large city / small
# city / район at scale 1, and the fewest kept at any scale (the capital keeps one of each type).
REGIONAL, CITY_POLY, DISTRICT_HOSPITAL, CHILDREN, DENTAL, WOMEN, DIAGNOSTIC = range(7)
PER_PLACE = {  # type: (capital, large city, small city)
    REGIONAL: (12, 1, 0), CITY_POLY: (22, 5, 2), CHILDREN: (8, 2, 1), DENTAL: (6, 1, 1),
    WOMEN: (6, 1, 0), DIAGNOSTIC: (5, 1, 0),
    # City hospitals with an outpatient department are listed with the district hospitals, so
    # that a patient of the capital finds every type there too.
    DISTRICT_HOSPITAL: (2, 0, 0),
}
LARGE_CITIES = ("г. Орск", "г. Новотроицк", "г. Бузулук", "г. Бугуруслан")
OUTPATIENTS_PER_DISTRICT = (5, 8)
GENITIVE = {"г. Оренбург": "г. Оренбурга", "г. Орск": "г. Орска", "г. Новотроицк": "г. Новотроицка",
            "г. Бузулук": "г. Бузулука", "г. Бугуруслан": "г. Бугуруслана",
            "г. Медногорск": "г. Медногорска", "г. Гай": "г. Гая", "г. Кувандык": "г. Кувандыка",
            "г. Сорочинск": "г. Сорочинска", "г. Соль-Илецк": "г. Соль-Илецка",
            "г. Ясный": "г. Ясного", "г. Абдулино": "г. Абдулино"}
PHONE_CODES = {"г. Оренбург": "3532", "г. Орск": "3537", "г. Новотроицк": "3537"}


def region_data() -> dict:
    text = resources.files("catalog.demo").joinpath("orenburg-region.json").read_text("utf-8")
    return json.loads(text)


def _scaled(base: int, scale: float, least: int) -> int:
    return max(least, round(base * scale))


def _adjective(district: str) -> str:
    """'Абдулинский район' → 'Абдулинская' (for 'районная больница')."""
    stem = district.removesuffix(" район")
    for masculine, feminine in (("ий", "ая"), ("ый", "ая"), ("ой", "ая")):
        if stem.endswith(masculine):
            return stem[: -len(masculine)] + feminine
    return stem


class _Builder:
    def __init__(self, rng: random.Random, region: dict, doctor_factor: float):
        self.rng = rng
        # Small demo regions also have smaller staffs, so that their slot grids stay small.
        self.doctor_factor = doctor_factor
        self.region = region
        self.organizations: list[dict] = []
        self.doctor_count = 0
        self.numbers: dict[tuple[str, int], list[int]] = {}

    def phone(self, place: str) -> str:
        # One dialling code per place, stable across seeds.
        code = PHONE_CODES.get(place) or f"353{zlib.crc32(place.encode()) % 40 + 30}"
        digits = f"{self.rng.randint(0, 10 ** (10 - len(code)) - 1):0{10 - len(code)}d}"
        digits = str(self.rng.randint(2, 7)) + digits[1:]
        if len(digits) == 6:
            return f"8 ({code}) {digits[:2]}-{digits[2:4]}-{digits[4:]}"
        return f"8 ({code}) {digits[0]}-{digits[1:3]}-{digits[3:]}"

    def street_address(self) -> str:
        return f"{self.rng.choice(names.STREETS)}, д. {self.rng.randint(1, 120)}"

    def number(self, place: str, type_index: int) -> int:
        """A fictional, non-repeating institution number within a place and type."""
        pool = self.numbers.get((place, type_index))
        if pool is None:
            pool = list(range(1, 60 if place == CAPITAL else 9))
            self.rng.shuffle(pool)
            self.numbers[(place, type_index)] = pool
        return pool.pop()

    def person(self) -> tuple[str, str, str]:
        female = self.rng.random() < 0.68  # most Russian outpatient doctors are women
        if self.rng.random() < 0.1:
            last = self.rng.choice(names.NEUTRAL_LAST)
        else:
            last = self.rng.choice(names.MALE_LAST)
            if female:  # every stem of the list ends in -ов/-ев/-ёв/-ин: the feminine adds -а
                last += "а"
        first = self.rng.choice(names.FEMALE_FIRST if female else names.MALE_FIRST)
        middle = "" if self.rng.random() < 0.02 else self.rng.choice(names.PATRONYMICS)[female]
        return last, first, middle

    def add(self, place: str, type_index: int, name: str, short_name: str, address: str,
            profile: str, district_id: str, type_id: str, least_doctors: int = 1) -> None:
        number = len(self.organizations) + 1
        org_id = f"o-{number:04d}"
        rng = self.rng
        subdivisions = [{"id": f"sd-{number:04d}-1", "name": "Основное здание", "address": address}]
        for extra in range(rng.choice((0, 0, 1, 2))):
            where = address.rsplit(",", 2)[0] if place != CAPITAL else CAPITAL
            subdivisions.append({"id": f"sd-{number:04d}-{extra + 2}",
                                 "name": f"Филиал № {extra + 1}",
                                 "address": f"{where}, {self.street_address()}"})
        offers = self._choose_offers(profile)
        services, doctors = [], []
        rooms = rng.sample(range(100, 460), k=min(360, 120))
        for index, (kind, low, high) in enumerate(offers, start=1):
            service_id = f"svc-{number:04d}-{index:02d}"
            services.append({"id": service_id, "name": kind.name, "specialty": kind.specialty,
                             "self_bookable": kind.self_bookable, "paid": kind.paid,
                             "requires_attachment": kind.requires_attachment,
                             "requires_referral": kind.requires_referral})
            count = max(round(rng.randint(low, high) * self.doctor_factor), 1,
                        least_doctors if kind.self_bookable else 1)
            for area in range(1, count + 1):
                self.doctor_count += 1
                last, first, middle = self.person()
                doctors.append({
                    "id": f"doc-{self.doctor_count:06d}", "last_name": last,
                    "first_name": first, "middle_name": middle, "specialty": kind.specialty,
                    "subdivision_id": rng.choice(subdivisions)["id"],
                    "room": str(rooms[len(doctors) % len(rooms)]),
                    "service_ids": [service_id],
                    "areas": [str(area)] if kind.by_area else [],
                    "schedule": random_schedule(rng, kind.slot_minutes),
                })
        self.organizations.append({
            "id": org_id, "name": name, "short_name": short_name, "address": address,
            "phone": self.phone(place), "district_id": district_id, "type_id": type_id,
            "timezone": self.region["timezone"],
            "settings": {"booking_horizon_days": 14, "day_opens_at": "07:00",
                         "same_day_booking": False, "cancel_cutoff_hours": 0},
            "subdivisions": subdivisions, "services": services, "doctors": doctors})

    def _choose_offers(self, profile: str):
        offers = PROFILES[profile]
        chosen = [o for o in offers if o[3] >= 1 or self.rng.random() < o[3]]
        for offer in offers:  # every organization offers 4..10 services
            if len(chosen) >= 4:
                break
            if offer not in chosen:
                chosen.append(offer)
        return [(kind, low, high) for kind, low, high, _p in chosen[:10]]


def _city_organizations(b: _Builder, place: str, district_id: str, type_ids: list[str],
                        scale: float) -> None:
    size = 0 if place == CAPITAL else (1 if place in LARGE_CITIES else 2)
    of_city = GENITIVE.get(place, place)
    for type_index in (CITY_POLY, CHILDREN, REGIONAL, DISTRICT_HOSPITAL, DENTAL, WOMEN,
                       DIAGNOSTIC):
        base = PER_PLACE[type_index][size]
        least = 1 if place == CAPITAL or type_index == CITY_POLY else 0
        for _ in range(_scaled(base, scale, least)):
            n = b.number(place, type_index)
            address = f"{place}, {b.street_address()}"
            title, short, profile = {
                REGIONAL: (f"ГАУЗ «Областная клиническая больница № {n}»", f"ОКБ № {n}", "regional"),
                DISTRICT_HOSPITAL: (f"ГАУЗ «Городская клиническая больница № {n}» {of_city}",
                                    f"ГКБ № {n}", "district"),
                CITY_POLY: (f"ГАУЗ «Городская {'клиническая ' if size == 0 else ''}"
                            f"поликлиника № {n}» {of_city}",
                            f"{'ГКП' if size == 0 else 'ГП'} № {n}", "city"),
                CHILDREN: (f"ГАУЗ «Детская городская поликлиника № {n}» {of_city}",
                           f"ДГП № {n}", "children"),
                DENTAL: (f"ГАУЗ «Стоматологическая поликлиника № {n}» {of_city}",
                         f"СП № {n}", "dental"),
                WOMEN: (f"ГАУЗ «Женская консультация № {n}» {of_city}", f"ЖК № {n}", "women"),
                DIAGNOSTIC: (f"ГАУЗ «Консультативно-диагностический центр № {n}» {of_city}",
                             f"КДЦ № {n}", "diagnostic"),
            }[type_index]
            least_doctors = 2 if not b.organizations else 1
            b.add(place, type_index, title, short, address, profile, district_id,
                  type_ids[type_index], least_doctors)


def _district_organizations(b: _Builder, district: str, district_id: str, type_id: str,
                            scale: float) -> None:
    adjective = _adjective(district)
    villages = list(names.VILLAGES)
    b.rng.shuffle(villages)
    centre = villages.pop()
    hospital = f"ГБУЗ «{adjective} районная больница»"
    b.add(district, DISTRICT_HOSPITAL, hospital, f"{adjective} РБ",
          f"{district}, {centre}, {b.street_address()}", "district", district_id, type_id)
    for _ in range(_scaled(b.rng.randint(*OUTPATIENTS_PER_DISTRICT), scale, 0)):
        village = villages.pop()
        b.add(district, DISTRICT_HOSPITAL, f"Врачебная амбулатория {village} ({hospital})",
              f"ВА {village}", f"{district}, {village}, {b.street_address()}", "outpatient",
              district_id, type_id)


def generate_region(scale: float = 1.0, seed: int = 56) -> dict:
    """A whole demo region; scale 1 ≈ 400 organizations and 6,000 doctors."""
    region = region_data()
    rng = random.Random(seed)
    builder = _Builder(rng, region, doctor_factor=max(0.25, min(1.0, scale)))
    places = list(region["cities"]) + sorted(region["districts"])
    districts = [{"id": f"d-{i:03d}", "name": name} for i, name in enumerate(places, start=1)]
    types = [{"id": f"t-{i:02d}", "name": name}
             for i, name in enumerate(region["organization_types"], start=1)]
    type_ids = [t["id"] for t in types]
    for district in districts:
        if district["name"] in region["cities"]:
            _city_organizations(builder, district["name"], district["id"], type_ids, scale)
        else:
            _district_organizations(builder, district["name"], district["id"],
                                    type_ids[DISTRICT_HOSPITAL], scale)
    return {"format": FORMAT, "region": region["region"], "timezone": region["timezone"],
            "support_phone": region["support_phone"], "districts": districts,
            "organization_types": types, "organizations": builder.organizations}
