"""bench/generate.py writes data that holds every invariant of the registry (SPEC §3)."""

import json

from PIL import Image
from sqlalchemy import create_engine, text

from app.workflow.invariants import check_invariants
from bench.generate import generate


def _index_definitions(engine) -> set[str]:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sql = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
        else:
            sql = "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        return set(conn.execute(text(sql)).scalars())


def test_generated_data_holds_every_invariant(database_uri, tmp_path):
    indexes = _index_definitions(create_engine(database_uri))
    counts = generate(database_uri, 2_000, seed=7, quiet=True, upload_dir=tmp_path)
    assert counts["physician"] > 2_000 and counts["application_event"] > 5 * 2_000
    engine = create_engine(database_uri)
    assert _index_definitions(engine) == indexes  # on PostgreSQL dropped for the load, then built again
    with engine.connect() as conn:
        failed = {r.rule.name: (r.count, r.examples) for r in check_invariants(conn) if r.count}
        assert failed == {}

        def scalar(sql: str) -> int:
            return conn.execute(text(sql)).scalar()

        # the rules had something to bite on: military hospitals exist, filings, cancellations, detours
        assert scalar("SELECT count(*) FROM institution WHERE is_military") > 0
        assert scalar("SELECT count(*) FROM filing WHERE status = 'active'") > 0
        assert scalar("SELECT count(*) FROM practice_registration WHERE status = 'cancelled'") > 0
        assert scalar("SELECT count(*) FROM application_event WHERE action = 'return'") > 0
        assert scalar("SELECT count(*) FROM application_event WHERE action = 'ask_correction'") > 0
        # the certificate counters continue after the generated numbers
        assert scalar("SELECT count(*) FROM certificate_serial c WHERE c.last < (SELECT max(CAST(substr("
                      "certificate_no, 10, 6) AS INTEGER)) FROM practice_registration r WHERE "
                      "substr(r.certificate_no, 1, 9) = c.prefix)") == 0
        # deadlines as the workflow sets them: the queues and the overdue lists sort real dates
        assert scalar("SELECT count(*) FROM application WHERE (status = 'pending_acceptance' AND (accept_due IS NULL"
                      " OR accept_due <= CAST(confirmed_at AS DATE))) OR (status = 'accepted' AND (decide_due IS NULL"
                      " OR decide_due <= CAST(accepted_at AS DATE)))") == 0
        assert scalar("SELECT count(*) FROM application WHERE status IN ('pending_acceptance', 'accepted')") > 0
        # every filed first registration carries a real, stored ID photo (required to submit)
        rows = conn.execute(text("SELECT status, data FROM application WHERE type = 'first'")).all()
        photos = {(json.loads(data) if isinstance(data, str) else data).get("photo") for status, data in rows
                  if status != "draft"}
        assert None not in photos  # the demo's applications have theirs, the generated ones share one sample
        (key,) = [k for k in photos if (tmp_path / "photos" / k[:2] / k).is_file()]
        with Image.open(tmp_path / "photos" / key[:2] / key) as photo:
            assert photo.format == "JPEG" and photo.size[0] >= 295
    engine.dispose()
