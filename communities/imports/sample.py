"""A believable workbook of a whole community, as a community office keeps it: compounds,
buildings, households and residents. The demo (`seed_demo_imports`), the end-to-end test and the
benchmark (`bench/imports.py`) import it; it is written row by row in openpyxl's write-only
mode, so a workbook of 100,000 households is built without holding it in memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from random import Random

from openpyxl import Workbook

from communities.imports.people import ResidentSheet
from communities.imports.places import AreaSheet, HouseholdSheet

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文斌海燕波宁浩凯丹萍鑫鹏雪琳晨欣"
COMPOUNDS = ("桂花苑", "香樟园", "紫荆华庭", "梧桐雅居", "锦江新城", "滨江佳园", "银河名邸", "翠苑")
ROADS = ("后湖大道", "解放大道", "百步亭路", "金桥大道", "二七路", "沿江大道")
RELATIONS = ("业主", "业主", "业主", "租户", "家庭成员")


@dataclass
class Sizes:
    compounds: int
    buildings: int  # in the whole community
    households: int  # in the whole community
    residents: int  # one per household for the first `residents` households


def community_workbook(
    *,
    parent_code: str,
    code: str,
    name: str,
    sizes: Sizes,
    seed: int = 1,
    phone_prefix: str = "137",  # then two digits of the seed and a running number: 11 digits
    community_row: bool = True,
    first_compound: int = 1,
) -> bytes:
    """The community `code` (under `parent_code`) with its compounds, buildings, households and
    residents. Codes follow the demo's scheme: <community>-PP (compound) -BB (building). Without
    `community_row` the community is taken to exist already (new compounds in it)."""
    rng = Random(seed)
    book = Workbook(write_only=True)
    areas = book.create_sheet(AreaSheet.title)
    households = book.create_sheet(HouseholdSheet.title)
    residents = book.create_sheet(ResidentSheet.title)
    for sheet, kind in (
        (areas, AreaSheet),
        (households, HouseholdSheet),
        (residents, ResidentSheet),
    ):
        chinese, english = kind.headers()
        sheet.append(chinese)
        sheet.append(english)
    if community_row:
        areas.append(
            [code, parent_code, "社区", name, f"{rng.choice(ROADS)}{rng.randint(1, 300)}号"]
        )
    buildings = []
    per_compound = -(-sizes.buildings // sizes.compounds)
    for p in range(first_compound, first_compound + sizes.compounds):
        compound = f"{code}-{p:02d}"
        road = rng.choice(ROADS)
        areas.append(
            [compound, code, "小区", COMPOUNDS[(p - 1) % len(COMPOUNDS)] + (f"{p}期" if p > 8 else ""),
             f"{road}{rng.randint(1, 500)}号"]
        )  # fmt: skip
        for b in range(1, per_compound + 1):
            if len(buildings) == sizes.buildings:
                break
            building = f"{compound}-{b:02d}"
            buildings.append(building)
            areas.append([building, compound, "楼栋", f"{b}栋", f"{road}{b}栋"])
    per_building = -(-sizes.households // len(buildings))
    made = 0
    for building in buildings:
        for n in range(per_building):
            if made == sizes.households:
                break
            unit = str(n // 40 + 1)
            floor, door = divmod(n % 40, 4)
            room = f"{floor + 1}{door + 1:02d}"
            households.append([building, unit, room, f"{rng.uniform(45, 160):.2f}"])
            if made < sizes.residents:
                residents.append(
                    [
                        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                        f"{phone_prefix}{seed % 100:02d}{made:0{9 - len(phone_prefix)}d}",
                        building,
                        unit,
                        room,
                        rng.choice(RELATIONS),
                    ]
                )
            made += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
