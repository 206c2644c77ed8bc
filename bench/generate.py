"""Fill a migrated, initialised database with N physicians in realistic proportions.

    DATABASE_URL=URL FLASK_APP=run.py .venv/bin/flask db upgrade
    DATABASE_URL=URL FLASK_APP=run.py .venv/bin/flask init
    DATABASE_URL=URL FLASK_APP=run.py .venv/bin/flask seed-demo      # the demo log-ins, optional
    .venv/bin/python bench/generate.py --database-url URL --physicians 1000000

Rows are built as plain tuples with precomputed ids and written in batches of ~10,000: with
COPY on PostgreSQL (psycopg2 ``copy_expert``) and Core ``insert()`` executemany elsewhere. On
PostgreSQL the loaded tables' non-unique, whole-table indexes are dropped first and built once at the end.
Denormalised region codes always equal the county of the row's institution.

The data obeys SPEC §3 as ``flask check-invariants`` checks it: nobody registers, files or applies
at a military institution; a location is the province (执业医师) or the county (助理) of the
primary institution; filings lie inside the location at another civil institution and end with a
cancelled registration; only active (or since disabled) accounts have applications; certificate
numbers follow the documented format and the serial counters continue after them; and every
application carries an event chain drawn from the transition table (bench/chains.py), since the
commands cannot run per row at this scale.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, MetaData, bindparam, create_engine, func, select, text  # noqa: E402

from app.documents.photos import PhotoLimits, store_photo  # noqa: E402
from app.documents.samples import sample_photo_png  # noqa: E402
from app.domain.certificates import compose_practice_no, practice_no_prefix  # noqa: E402
from app.domain.identity import id_check_digit  # noqa: E402
from app.summaries.rebuild import rebuild as rebuild_summaries  # noqa: E402
from bench.chains import ChainPicker  # noqa: E402

BATCH = 10_000
MIN_INSTITUTIONS = 64
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
EXTRA_TYPES = ("change", "change", "filing_add")
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


def load_scopes(conn: Connection) -> dict[str, list[tuple[int, str]]]:
    """Return the national scopes (id, code) of each category."""
    scopes: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rows = conn.execute(
        text("SELECT category, id, code FROM practice_scope WHERE province_code IS NULL ORDER BY sort_order")
    )
    for category, scope_id, code in rows:
        scopes[category].append((scope_id, code))
    return scopes


def load_serials(conn: Connection) -> dict[str, int]:
    """Return the last serial of every certificate prefix: the counters, or the numbers issued."""
    issued = conn.execute(text(
        "SELECT substr(certificate_no, 1, 9), max(substr(certificate_no, 10, 6)) FROM practice_registration"
        " GROUP BY substr(certificate_no, 1, 9)"
    ))
    serials = {prefix: int(last) for prefix, last in issued if last.isdigit()}
    for prefix, last in conn.execute(text("SELECT prefix, last FROM certificate_serial")):
        serials[prefix] = max(last, serials.get(prefix, 0))
    return serials


def save_serials(conn: Connection, serials: dict[str, int], touched: set[str]) -> None:
    """Store the counters of the prefixes used, so approvals continue after the generated numbers."""
    if touched:
        conn.execute(text("DELETE FROM certificate_serial WHERE prefix IN :prefixes").bindparams(
            bindparam("prefixes", expanding=True)), {"prefixes": sorted(touched)})
        conn.execute(text("INSERT INTO certificate_serial (prefix, last) VALUES (:prefix, :last)"),
                     [{"prefix": p, "last": serials[p]} for p in sorted(touched)])


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
            county, kind, rng.choice(GRADES), rng.random() < 0.1, offset % 100 == 7,  # 1 % military
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
    "data", "created_at", "submitted_at", "confirmed_at", "accepted_at", "decided_at", "accept_due", "decide_due",
    "institution_opinion", "decision_comment", "version",
)
EVENT_COLUMNS = ("id", "application_id", "from_status", "to_status", "action", "actor_role", "comment", "created_at")


class Generator:
    """Build the rows of one batch of physicians and everything that hangs off them."""

    def __init__(self, rng: random.Random, counties, institutions, scopes, ids, taken, serials, postgres,
                 photo: str | None = None) -> None:
        self.rng = rng
        self.photo = photo  # the ID photo every filed first registration carries (one shared sample file)
        self.counties = counties
        self.civil = [inst for inst in institutions if not inst[7]]  # military hospitals are out of scope
        self.by_province: dict[str, list[tuple]] = defaultdict(list)
        self.by_county: dict[str, list[tuple]] = defaultdict(list)
        for inst in self.civil:
            self.by_province[inst[3][:2]].append(inst)
            self.by_county[inst[3]].append(inst)
        self.scopes = scopes
        self.ids = ids
        self.taken = taken
        self.serials = serials
        self.touched: set[str] = set()
        self.postgres = postgres
        self.chains = ChainPicker(rng)

    def _new_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _json(self, data: dict):
        return json.dumps(data, ensure_ascii=False) if self.postgres else data

    def _certificate_no(self, level: str, category: str, location: str) -> str:
        prefix = practice_no_prefix(level, category, location)
        self.serials[prefix] = self.serials.get(prefix, 0) + 1
        self.touched.add(prefix)
        return compose_practice_no(prefix, self.serials[prefix])

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
            inst = rng.choice(self.civil)
            inst_id, county = inst[0], inst[3]
            province = county[:2] + "0000"
            level, category = rng.choice(LEVELS), rng.choice(CATEGORIES)
            location = province if level == "physician" else county
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
            scopes = rng.sample(self.scopes[category], min(len(self.scopes[category]), rng.choice((1, 1, 2, 3))))
            asked = {"qualification_id": qid, "level": level, "category": category, "location_code": location,
                     "institution_id": inst_id, "scope_codes": [code for _id, code in scopes]}
            registration = None
            if status == "active" and rng.random() < 0.944:
                registration = self._registration(out, pid, qid, level, category, location, county, inst_id,
                                                  cohort, scopes)
            if activated is None:  # only an activated account can file
                continue
            first_status = "approved" if registration else rng.choice(OPEN_OR_CLOSED[:6] + OPEN_OR_CLOSED[-3:])
            filed = asked if first_status == "draft" or not self.photo else {"photo": self.photo, **asked}
            self._application(out, pid, "first", first_status, registration and registration[0], inst_id, county,
                              cohort, filed)
            if registration is None:
                continue
            rid, reg_status = registration
            if reg_status == "cancelled":  # the request that cancelled it
                self._application(out, pid, "cancel", "approved", rid, inst_id, county,
                                  rng.randint(cohort + 1, LAST_YEAR + 1), {"reason": "本人申请注销"})
            elif reg_status == "active" and rng.random() < 0.3:  # 变更/备案 need an active registration
                kind = rng.choice(EXTRA_TYPES)
                self._application(out, pid, kind, rng.choice(OPEN_OR_CLOSED), rid, inst_id, county,
                                  rng.randint(cohort + 1, LAST_YEAR + 1),
                                  asked if kind == "change" else {"institution_id": inst_id})
        return out

    def _registration(self, out, pid, qid, level, category, location, county, inst_id, cohort, scopes):
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
            rid, pid, qid, self._certificate_no(level, category, location), level, category,
            location, inst_id, county, status, until, reason, registered, dt.datetime(cohort, 12, 10, 15),
        ))
        out["registration_scope"].extend((rid, scope_id) for scope_id, _code in scopes)
        if rng.random() < 0.08:
            inside = self.by_province[county[:2]] if level == "physician" else self.by_county[county]
            others = [i for i in inside if i[0] != inst_id]
            if others:
                fid = self._new_id("filing")
                start = registered + dt.timedelta(days=rng.randrange(365))
                filing_status = "ended" if status == "cancelled" else rng.choice(("active", "active", "active", "ended"))
                out["filing"].append((fid, rid, rng.choice(others)[0], start, start + dt.timedelta(days=730),
                                      filing_status))
                chosen = rng.sample(scopes, rng.randint(1, len(scopes)))
                out["filing_scope"].extend((fid, scope_id) for scope_id, _code in chosen)
        return rid, status

    def _application(self, out, pid, type_, status, registration_id, inst_id, county, year, data) -> None:
        aid = self._new_id("application")
        created = dt.datetime(min(year, LAST_YEAR + 1), 11, 1, 10)
        events, fields = self.chains.events(status, created)
        out["application"].append((
            aid, f"SQ{year}{aid:010d}", type_, status, pid, registration_id, inst_id, county,
            self._json(data), created, fields.get("submitted_at"), fields.get("confirmed_at"),
            fields.get("accepted_at"), fields.get("decided_at"), fields.get("accept_due"), fields.get("decide_due"),
            fields.get("institution_opinion"),
            fields.get("decision_comment"), 1,
        ))
        for source, target, action, role, reason, at in events:
            out["application_event"].append(
                (self._new_id("application_event"), aid, source, target, action, role, reason, at)
            )


TABLE_ORDER = (
    ("qualification", QUALIFICATION_COLUMNS),
    ("physician", PHYSICIAN_COLUMNS),
    ("practice_registration", REGISTRATION_COLUMNS),
    ("registration_scope", ("registration_id", "scope_id")),
    ("filing", FILING_COLUMNS),
    ("filing_scope", ("filing_id", "scope_id")),
    ("application", APPLICATION_COLUMNS),
    ("application_event", EVENT_COLUMNS),
)
ID_TABLES = ("institution", "qualification", "physician", "practice_registration", "filing", "application",
             "application_event")


def _taken_id_numbers(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT id_number FROM physician UNION SELECT id_number FROM qualification"))
    return {number for (number,) in rows}


def _drop_secondary_indexes(conn: Connection, tables: Sequence[str]) -> list[str]:
    """Drop the non-unique, whole-table indexes of ``tables`` and return their definitions (PostgreSQL).

    Building an index once after the load is several times faster than updating it row by row; the
    unique indexes and constraints stay, so a duplicate still fails the load, and so do the partial
    ones (small, and PostgreSQL would print their predicates back in another spelling).
    """
    rows = conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = ANY(:tables) AND t.relnamespace = 'public'::regnamespace AND NOT i.indisunique "
        "AND i.indpred IS NULL"
    ), {"tables": list(tables)}).all()
    for name, _ in rows:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def _fix_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in ID_TABLES:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        ))


def sample_photo(upload_dir: str | Path) -> str:
    """Store one real sample ID photo under ``upload_dir`` (as the app stores uploads); return its key."""
    return store_photo(sample_photo_png(), root=Path(upload_dir), limits=PhotoLimits())


def generate(url: str, physicians: int, seed: int = 2026, quiet: bool = False,
             upload_dir: str | Path | None = None) -> dict[str, int]:
    """Insert ``physicians`` physicians (and related rows) into the database at ``url``.

    With ``upload_dir`` (the app's UPLOAD_DIR), every filed first registration carries a real photo.
    """
    photo = sample_photo(upload_dir) if upload_dir else None
    engine = create_engine(url)
    metadata = MetaData()
    rng = random.Random(seed)
    started = time.perf_counter()
    with engine.begin() as conn:
        with warnings.catch_warnings():  # the columns are what the sink needs; an expression index is not
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            metadata.reflect(conn, only=[t for t, _ in TABLE_ORDER] + ["institution"])
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        counties = load_counties(conn)
        scopes = load_scopes(conn)
        if not counties or not scopes:
            raise SystemExit("run `flask db upgrade` and `flask init` on this database first")
        ids = {table: next_id(conn, table) for table in ID_TABLES}
        sink = Sink(conn, metadata)
        deferred = _drop_secondary_indexes(conn, [t for t, _ in TABLE_ORDER]) if sink.postgres else []
        # 3 per 1,000 physicians, at least two per province (so that small runs have filings too)
        count = max(MIN_INSTITUTIONS, physicians * 3 // 1000)
        institutions = make_institutions(rng, counties, count, ids["institution"])
        sink.write("institution", INSTITUTION_COLUMNS, institutions)
        generator = Generator(rng, counties, institutions, scopes, ids, _taken_id_numbers(conn),
                              load_serials(conn), sink.postgres, photo)
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
        save_serials(conn, generator.serials, generator.touched)
        if deferred:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in deferred:
                conn.exec_driver_sql(definition)
        _fix_sequences(conn)
        rebuild_summaries(conn)  # the rows above bypass the app's sessions: count the window's summaries once
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
    parser.add_argument("--upload-dir", default=os.environ.get("UPLOAD_DIR", "instance/uploads"),
                        help="the app's UPLOAD_DIR: one sample ID photo is stored there for the filed first registrations")
    args = parser.parse_args(list(argv) if argv is not None else None)
    generate(args.database_url, args.physicians, args.seed, upload_dir=args.upload_dir)


if __name__ == "__main__":
    main()
