"""Names and places: en_GB pools drawn once from Faker, then sampled with numpy.

Faker is slow per call but realistic; a few thousand names drawn once and sampled by
index give millions of rows in milliseconds. Pools depend only on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

POOL_SIZE = 2_000


@dataclass(frozen=True)
class NamePools:
    male: np.ndarray
    female: np.ndarray
    surnames: np.ndarray

    def forenames(self, rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
        """One forename per row, from the female pool where ``female`` is true."""
        male_pick = self.male[rng.integers(0, len(self.male), len(female))]
        female_pick = self.female[rng.integers(0, len(self.female), len(female))]
        return np.where(female, female_pick, male_pick)

    def surname(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.surnames[rng.integers(0, len(self.surnames), count)]


def name_pools(seed: int) -> NamePools:
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    male = [fake.first_name_male() for _ in range(POOL_SIZE)]
    female = [fake.first_name_female() for _ in range(POOL_SIZE)]
    surnames = [fake.last_name() for _ in range(2 * POOL_SIZE)]
    return NamePools(
        np.array(male, dtype=object),
        np.array(female, dtype=object),
        np.array(surnames, dtype=object),
    )


# Towns with a magistrates' court, by Community Rehabilitation Company area.
CRC_AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "C01": ("Northumbria CRC", ("Newcastle", "Sunderland", "North Shields", "Bedlington")),
    "C02": ("Cumbria and Lancashire CRC", ("Carlisle", "Preston", "Blackpool", "Burnley")),
    "C03": ("Durham Tees Valley CRC", ("Durham", "Middlesbrough", "Darlington", "Hartlepool")),
    "C04": ("Merseyside CRC", ("Liverpool", "Birkenhead", "St Helens", "Southport")),
    "C05": (
        "Cheshire and Greater Manchester CRC",
        ("Manchester", "Salford", "Stockport", "Chester"),
    ),
    "C06": ("West Yorkshire CRC", ("Leeds", "Bradford", "Wakefield", "Huddersfield")),
    "C07": ("South Yorkshire CRC", ("Sheffield", "Doncaster", "Rotherham", "Barnsley")),
    "C08": (
        "Humberside, Lincolnshire and North Yorkshire CRC",
        ("Hull", "Grimsby", "Lincoln", "York", "Scarborough"),
    ),
    "C09": (
        "Derbyshire, Leicestershire, Nottinghamshire and Rutland CRC",
        ("Derby", "Leicester", "Nottingham", "Mansfield"),
    ),
    "C10": (
        "Staffordshire and West Midlands CRC",
        ("Birmingham", "Wolverhampton", "Stoke", "Walsall"),
    ),
    "C11": (
        "Warwickshire and West Mercia CRC",
        ("Worcester", "Shrewsbury", "Hereford", "Nuneaton"),
    ),
    "C12": ("Wales CRC", ("Cardiff", "Swansea", "Newport", "Wrexham", "Llandudno")),
    "C13": (
        "Bedfordshire, Northamptonshire, Cambridgeshire and Hertfordshire CRC",
        ("Luton", "Northampton", "Peterborough", "Cambridge", "Stevenage"),
    ),
    "C14": ("Norfolk and Suffolk CRC", ("Norwich", "Ipswich", "Great Yarmouth", "Lowestoft")),
    "C15": ("Essex CRC", ("Chelmsford", "Colchester", "Basildon", "Southend")),
    "C16": ("Thames Valley CRC", ("Oxford", "Reading", "Slough", "Milton Keynes")),
    "C17": ("London CRC", ("Croydon", "Lambeth", "Hackney", "Ealing", "Enfield", "Camden")),
    "C18": ("Kent, Surrey and Sussex CRC", ("Maidstone", "Canterbury", "Guildford", "Brighton")),
    "C19": (
        "Hampshire and Isle of Wight CRC",
        ("Southampton", "Portsmouth", "Basingstoke", "Newport IoW"),
    ),
    "C20": ("Dorset, Devon and Cornwall CRC", ("Exeter", "Plymouth", "Bournemouth", "Truro")),
    "C21": (
        "Bristol, Gloucestershire, Somerset and Wiltshire CRC",
        ("Bristol", "Gloucester", "Taunton", "Swindon"),
    ),
}

# National Probation Service divisions and the CRC areas they cover.
NPS_DIVISIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "N01": ("NPS North West", ("C02", "C04", "C05")),
    "N02": ("NPS North East", ("C01", "C03", "C06", "C07", "C08")),
    "N03": ("NPS Wales", ("C12",)),
    "N04": ("NPS Midlands", ("C09", "C10", "C11")),
    "N05": ("NPS South East and Eastern", ("C13", "C14", "C15", "C18")),
    "N06": ("NPS South West and South Central", ("C16", "C19", "C20", "C21")),
    "N07": ("NPS London", ("C17",)),
}


def provider_towns(provider_code: str) -> tuple[str, ...]:
    if provider_code in CRC_AREAS:
        return CRC_AREAS[provider_code][1]
    areas = NPS_DIVISIONS[provider_code][1]
    return tuple(town for area in areas for town in CRC_AREAS[area][1])


ALL_TOWNS: tuple[str, ...] = tuple(town for _, towns in CRC_AREAS.values() for town in towns)
