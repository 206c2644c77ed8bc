"""Maintained summary counts: the window funnel and the institution's waiting physicians, at any size.

What is kept (app/models/summary.py): ``summary_qualified`` (qualifications per exam year and
province), ``summary_funnel`` (physicians per cohort, county, institution and furthest stage, with
the three waiting buckets) and ``summary_member`` — what each physician contributed the last time
they were counted. The pages (app/window/) sum a few thousand of these rows instead of scanning
millions; app/summaries/raw.py keeps the direct counts as the oracle of ``flask summaries check``.

How they stay correct — one mechanism, in this package only (app/summaries/track.py):

* Every write marks what it touched, in the session: ORM changes of physicians, applications and
  qualifications are seen by the session's ``after_flush`` event (no call site needed); the
  set-based Core statements (bulk workflow, qualification import) call :func:`touch_physicians`
  / :func:`touch_qualifications` next to the statement.
* Just before the transaction commits (``before_commit``), the marked physicians are recounted
  from the raw rows, set-based: their old ``summary_member`` rows are subtracted, replaced by the
  rows computed now, and the difference is added to ``summary_funnel`` by upsert
  (``n = n + delta``). Same transaction: a rollback takes the counts with it.

Why not triggers: a physician's stage depends on every first registration they hold and their cohort
on the qualification table, so triggers would repeat the ladder of app/window/funnel.py twice (SQLite
and PL/pgSQL) and fire per row inside the set-based paths. Why deltas and not "recount the group":
two transactions recounting one institution at once would each miss the other's change, while
``n = n + delta`` on a locked row adds both. Recounting a marked physician is idempotent, so marking
too much is harmless; the members of the physicians recounted are locked first (PostgreSQL) so two
transactions never subtract the same old contribution twice. ``flask summaries rebuild`` recounts
everything (bench/generate.py and the migration call it); ``flask summaries check`` compares.
"""

from app.summaries.track import install, touch_applications, touch_physicians, touch_qualifications

__all__ = ["install", "touch_applications", "touch_physicians", "touch_qualifications"]
