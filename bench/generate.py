"""Fill a migrated, initialised database with N physicians in realistic proportions.

    DATABASE_URL=URL FLASK_APP=run.py .venv/bin/flask db upgrade
    DATABASE_URL=URL FLASK_APP=run.py .venv/bin/flask init
    DATABASE_URL=URL FLASK_APP=run.py .venv/bin/flask seed-demo      # the demo log-ins, optional
    .venv/bin/python bench/generate.py --database-url URL --physicians 1000000

Rows are built as plain tuples with precomputed ids and written in batches of ~10,000: with
COPY on PostgreSQL (psycopg2 ``copy_expert``) and Core ``insert()`` executemany elsewhere.
Denormalised region codes always equal the county of the row's institution.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, MetaData, create_engine, func, select, text  # noqa: E402

from app.domain.identity import id_check_digit  # noqa: E402

BATCH = 10_000
SURNAMES = (
    "王" * 72 + "李" * 72 + "张" * 70 + "刘" * 54 + "陈" * 45 + "杨" * 31 + "黄" * 23 + "赵" * 22
    + "吴" * 20 + "周" * 19 + "徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国文辉鹏飞宇浩然子涵欣怡思雨晨梓萱一诺佳琪志刚海燕"
LEVEL_DIGIT = {"physician": "1", "assistant": "2"}
CATEGORY_DIGITS = {"clinical": "10", "tcm": "20", "dental": "30", "public_health": "40"}
LEVELS = ("physician",) * 4 + ("assistant",)
CATEGORIES = ("clinical",) * 14 + ("tcm",) * 3 + ("dental",) * 2 + ("public_health",)
# account status per 100 physicians: 90 active, 5 verified, 4 created, 1 disabled
STATUSES = ("active",) * 90 + ("verified",) * 5 + ("created",) * 4 + ("disabled",)
GRADES = ("三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级", None)
KINDS = ("综合医院", "专科医院", "中医医院", "社区卫生服务中心", "乡镇卫生院", "妇幼保健院")
OPEN_OR_CLOSED = (
    "draft", "submitted", "returned", "pending_acceptance", "correction", "accepted",
    "approved", "approved", "approved", "refused", "not_accepted", "withdrawn",
)
EXTRA_TYPES = ("change", "change", "add_scope", "filing_add", "reissue", "upgrade")
FIRST_YEAR, LAST_YEAR = 2006, 2025
BIRTH_START = dt.date(1960, 1, 1)
BIRTH_DAYS = (dt.date(2000, 12, 31) - BIRTH_START).days


class Sink:
    """Write rows table by table: COPY on PostgreSQL, executemany otherwise."""

    def __init__(self, conn: Connection, metadata: MetaData) -> None:
        self.conn = conn
        self.metadata = metadata
        self.postgres = conn.dialect.name == "postgresql"
        self.rows = 0

    def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
        if not rows:
            return
        self.rows += len(rows)
        if self.postgres:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(rows)
            buffer.seek(0)
            cursor = self.conn.connection.dbapi_connection.cursor()
            cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer
            )
            cursor.close()
        else:
            table_ = self.metadata.tables[table]
            self.conn.execute(table_.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def id_number(county: str, birth: dt.date, sequence: int) -> str:
    """Compose a valid 18-character resident ID number."""
    first17 = f"{county}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def load_counties(conn: Connection) -> list[str]:
    """Return the codes of the active counties."""
    rows = conn.execute(text("SELECT code FROM region WHERE level = 'county' AND active ORDER BY code"))
    return [code for (code,) in rows]


def load_scopes(conn: Connection) -> dict[str, list[int]]:
    """Return the national scope ids of each category."""
    scopes: dict[str, list[int]] = defaultdict(list)
    rows = conn.execute(
        text("SELECT category, id FROM practice_scope WHERE province_code IS NULL ORDER BY sort_order")
    )
    for category, scope_id in rows:
        scopes[category].append(scope_id)
    return scopes


def next_id(conn: Connection, table: str) -> int:
    """Return the first free id of ``table``."""
    return (conn.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1


def make_institutions(rng: random.Random, counties: list[str], count: int, first: int) -> list[tuple]:
    """Spread ``count`` institutions over every province's counties."""
    by_province: dict[str, list[str]] = defaultdict(list)
    for code in counties:
        by_province[code[:2]].append(code)
    # one county of every province first, then the rest at random
    chosen = [rng.choice(codes) for codes in by_province.values()][:count]
    chosen += [rng.choice(counties) for _ in range(count - len(chosen))]
    rows = []
    for offset, county in enumerate(chosen):
        inst_id = first + offset
        kind = rng.choice(KINDS)
        rows.append((
            inst_id, f"{county}第{inst_id}{kind}", f"PDY{inst_id:08d}{county}A{inst_id % 10000:04d}",
            county, kind, rng.choice(GRADES), rng.random() < 0.1, rng.random() < 0.01,
            dt.datetime(2015, 1, 1),
        ))
    return rows


INSTITUTION_COLUMNS = (
    "id", "name", "license_no", "region_code", "kind", "grade", "auto_activate", "is_military", "created_at",
)
QUALIFICATION_COLUMNS = (
    "id", "certificate_no", "name", "id_type", "id_number", "level", "category", "province_code",
    "exam_year", "published_on", "issued_on", "imported_at",
)
PHYSICIAN_COLUMNS = (
    "id", "name", "id_type", "id_number", "gender", "birth_date", "phone", "phone_verified",
    "email_verified", "status", "institution_id", "region_code", "created_at", "verified_at", "activated_at",
)
REGISTRATION_COLUMNS = (
    "id", "physician_id", "qualification_id", "certificate_no", "level", "category", "location_code",
    "institution_id", "region_code", "status", "suspended_until", "cancel_reason", "registered_on", "updated_at",
)
FILING_COLUMNS = ("id", "registration_id", "institution_id", "valid_from", "valid_to", "status")
APPLICATION_COLUMNS = (
    "id", "number", "type", "status", "physician_id", "registration_id", "institution_id", "region_code",
    "data", "created_at", "submitted_at", "decided_at", "version",
)


class Generator:
    """Build the rows of one batch of physicians and everything that hangs off them."""

    def __init__(self, rng: random.Random, counties, institutions, scopes, ids, taken) -> None:
        self.rng = rng
        self.counties = counties
        self.institutions = institutions
        self.by_province: dict[str, list[tuple]] = defaultdict(list)
        for inst in institutions:
            self.by_province[inst[3][:2]].append(inst)
        self.scopes = scopes
        self.ids = ids
        self.taken = taken
        self.json_data = "{}"

    def _new_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _unique_id_number(self) -> tuple[str, dt.date, int]:
        rng = self.rng
        while True:
            county = rng.choice(self.counties)
            birth = BIRTH_START + dt.timedelta(days=rng.randrange(BIRTH_DAYS))
            sequence = rng.randrange(1000)
            number = id_number(county, birth, sequence)
            if number not in self.taken:
                self.taken.add(number)
                return number, birth, sequence

    def batch(self, size: int) -> dict[str, list[tuple]]:
        """Return the rows of ``size`` new physicians, per table."""
        rng = self.rng
        out: dict[str, list[tuple]] = defaultdict(list)
        for _ in range(size):
            pid = self._new_id("physician")
            qid = self._new_id("qualification")
            number, birth, sequence = self._unique_id_number()
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            inst = rng.choice(self.institutions)
            inst_id, county = inst[0], inst[3]
            province = county[:2] + "0000"
            level, category = rng.choice(LEVELS), rng.choice(CATEGORIES)
            cohort = rng.randint(FIRST_YEAR, LAST_YEAR)
            published = dt.date(cohort, 9, 15)
            out["qualification"].append((
                qid, f"{cohort}{county[:2]}{LEVEL_DIGIT[level]}{CATEGORY_DIGITS[category]}{number}",
                name, "resident", number, level, category, province, cohort, published,
                published + dt.timedelta(days=60), dt.datetime(cohort, 10, 1),
            ))
            status = rng.choice(STATUSES)
            created = dt.datetime(cohort, 10, 1 + rng.randrange(28), 9)
            verified = created + dt.timedelta(days=1) if status != "created" else None
            activated = created + dt.timedelta(days=10) if status in ("active", "disabled") else None
            out["physician"].append((
                pid, name, "resident", number, "male" if sequence % 2 else "female", birth,
                f"1{rng.choice('3589')}{pid % 1_000_000_000:09d}", verified is not None, False,
                status, inst_id, county, created, verified, activated,
            ))
            registration_id = None
            if status == "active" and rng.random() < 0.944:
                registration_id = self._registration(out, pid, qid, level, category, county, province, inst_id, cohort)
            if status != "created":
                first_status = "approved" if registration_id else rng.choice(OPEN_OR_CLOSED[:6] + OPEN_OR_CLOSED[-3:])
                self._application(out, pid, "first", first_status, registration_id, inst_id, county, cohort)
            if registration_id and rng.random() < 0.3:
                self._application(
                    out, pid, rng.choice(EXTRA_TYPES), rng.choice(OPEN_OR_CLOSED), registration_id,
                    inst_id, county, rng.randint(cohort + 1, LAST_YEAR + 1),
                )
        return out

    def _registration(self, out, pid, qid, level, category, county, province, inst_id, cohort) -> int:
        rng = self.rng
        rid = self._new_id("practice_registration")
        registered = dt.date(cohort, 12, 10)
        roll = rng.random()
        status, until, reason = "active", None, None
        if roll < 0.02:
            status, until = "suspended", dt.date(LAST_YEAR + 1, 6, 30)
        elif roll < 0.05:
            status, reason = "cancelled", "本人申请注销"
        out["practice_registration"].append((
            rid, pid, qid, f"{LEVEL_DIGIT[level]}{county[:2]}{cohort}{pid:08d}", level, category,
            province if level == "physician" else county, inst_id, county, status, until, reason,
            registered, dt.datetime(cohort, 12, 10, 15),
        ))
        scopes = rng.sample(self.scopes[category], min(len(self.scopes[category]), rng.choice((1, 1, 2, 3))))
        out["registration_scope"].extend((rid, scope) for scope in scopes)
        if rng.random() < 0.08:
            others = [i for i in self.by_province[county[:2]] if i[0] != inst_id]
            if others:
                fid = self._new_id("filing")
                start = registered + dt.timedelta(days=rng.randrange(365))
                out["filing"].append((
                    fid, rid, rng.choice(others)[0], start, start + dt.timedelta(days=730),
                    rng.choice(("active", "active", "active", "ended")),
                ))
                out["filing_scope"].append((fid, scopes[0]))
        return rid

    def _application(self, out, pid, type_, status, registration_id, inst_id, county, year) -> None:
        aid = self._new_id("application")
        created = dt.datetime(min(year, LAST_YEAR + 1), 11, 1, 10)
        submitted = None if status == "draft" else created + dt.timedelta(days=1)
        decided = created + dt.timedelta(days=20) if status in ("approved", "refused", "not_accepted") else None
        out["application"].append((
            aid, f"SQ{year}{aid:010d}", type_, status, pid, registration_id, inst_id, county,
            self.json_data, created, submitted, decided, 1,
        ))


TABLE_ORDER = (
    ("qualification", QUALIFICATION_COLUMNS),
    ("physician", PHYSICIAN_COLUMNS),
    ("practice_registration", REGISTRATION_COLUMNS),
    ("registration_scope", ("registration_id", "scope_id")),
    ("filing", FILING_COLUMNS),
    ("filing_scope", ("filing_id", "scope_id")),
    ("application", APPLICATION_COLUMNS),
)
ID_TABLES = ("institution", "qualification", "physician", "practice_registration", "filing", "application")


def _taken_id_numbers(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT id_number FROM physician UNION SELECT id_number FROM qualification"))
    return {number for (number,) in rows}


def _fix_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in ID_TABLES:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        ))


def generate(url: str, physicians: int, seed: int = 2026, quiet: bool = False) -> dict[str, int]:
    """Insert ``physicians`` physicians (and related rows) into the database at ``url``."""
    engine = create_engine(url)
    metadata = MetaData()
    rng = random.Random(seed)
    started = time.perf_counter()
    with engine.begin() as conn:
        metadata.reflect(conn, only=[t for t, _ in TABLE_ORDER] + ["institution"])
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        counties = load_counties(conn)
        scopes = load_scopes(conn)
        if not counties or not scopes:
            raise SystemExit("run `flask db upgrade` and `flask init` on this database first")
        ids = {table: next_id(conn, table) for table in ID_TABLES}
        sink = Sink(conn, metadata)
        institutions = make_institutions(rng, counties, max(1, physicians * 3 // 1000), ids["institution"])
        sink.write("institution", INSTITUTION_COLUMNS, institutions)
        generator = Generator(rng, counties, institutions, scopes, ids, _taken_id_numbers(conn))
        generator.json_data = "{}" if sink.postgres else {}
        done = 0
        while done < physicians:
            size = min(BATCH, physicians - done)
            rows = generator.batch(size)
            for table, columns in TABLE_ORDER:
                sink.write(table, columns, rows[table])
            done += size
            if not quiet:
                elapsed = time.perf_counter() - started
                print(f"\r{done:>10,} physicians, {sink.rows:>11,} rows, {sink.rows / elapsed:,.0f} rows/s",
                      end="", flush=True)
        _fix_sequences(conn)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
        counts = {t: conn.execute(select(func.count()).select_from(text(t))).scalar() for t in
                  ("institution",) + tuple(t for t, _ in TABLE_ORDER)}
    engine.dispose()
    elapsed = time.perf_counter() - started
    if not quiet:
        print(f"\n{sink.rows:,} rows in {elapsed:.1f} s: {sink.rows / elapsed:,.0f} rows/s, "
              f"{physicians / elapsed:,.0f} physicians/s")
        for table, count in counts.items():
            print(f"  {table:<22} {count:>12,}")
    return counts


def main(argv: Iterable[str] | None = None) -> None:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="SQLAlchemy URL of a migrated, initialised database")
    parser.add_argument("--physicians", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    generate(args.database_url, args.physicians, args.seed)


if __name__ == "__main__":
    main()
