"""Write N valid, unique synthetic qualification records to a CSV for `flask import-qualifications`.

Usage: python bench/make_qualifications.py N FILE [--seed S]

Every row passes the importer's checks: real county codes (GB/T 2260), real birth dates, GB 11643
check digits, certificate numbers composed from the row's own year, province, level and category.
Row i gets birth date 1970-01-01 + i // 1000 days and sequence i % 1000, so ID numbers are unique.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.certificates import compose_qualification_no  # noqa: E402
from app.domain.enums import Category, PracticeLevel, RegionLevel  # noqa: E402
from app.domain.identity import id_check_digit  # noqa: E402
from app.domain.regions import load_gbt2260  # noqa: E402

HEADER = ["资格证书编码", "姓名", "证件类型", "证件号码", "资格级别", "资格类别", "考试年度", "成绩发布日期", "发证日期"]
LEVELS = {PracticeLevel.PHYSICIAN: "执业医师", PracticeLevel.ASSISTANT: "执业助理医师"}
CATEGORIES = {Category.CLINICAL: "临床", Category.DENTAL: "口腔", Category.PUBLIC_HEALTH: "公共卫生",
              Category.TCM: "中医"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红婷雪琳晨阳浩宇欣怡子涵梓"
EPOCH = dt.date(1970, 1, 1)


def counties() -> list[str]:
    """Return the active county codes whose province exists."""
    records = load_gbt2260()
    provinces = {r.code for r in records if r.level is RegionLevel.PROVINCE}
    return sorted(r.code for r in records
                  if r.level is RegionLevel.COUNTY and r.active and r.code[:2] + "0000" in provinces)


def rows(count: int, seed: int = 2026):
    """Yield ``count`` CSV rows of valid, unique qualification records."""
    rng = random.Random(seed)
    codes = counties()
    levels, categories = list(LEVELS), list(CATEGORIES)
    for i in range(count):
        county = rng.choice(codes)
        birth = EPOCH + dt.timedelta(days=i // 1000)
        first17 = f"{county}{birth:%Y%m%d}{i % 1000:03d}"
        id_number = first17 + id_check_digit(first17)
        year = rng.randint(2000, 2025)
        level, category = rng.choice(levels), rng.choice(categories)
        published = dt.date(year, 9, 1) + dt.timedelta(days=rng.randrange(30))
        issued = published + dt.timedelta(days=30 + rng.randrange(60))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        yield [compose_qualification_no(year, county[:2] + "0000", level, category, id_number), name,
               "居民身份证", id_number, LEVELS[level], CATEGORIES[category], year,
               published.isoformat(), issued.strftime("%Y/%m/%d")]


def main() -> None:
    """Parse the arguments and write the file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("file", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with args.file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(args.count, args.seed))
    print(f"{args.count} rows -> {args.file}")


if __name__ == "__main__":
    main()
