"""When the whole-history outputs refresh: once after days have landed, not inside every day's run.

The trends dashboard and the readers' snapshot each rewrite one artifact from the whole history.
Drawn in every day's run, a 30-day backfill would draw and publish them 30 times, each run paying
for it, and a run publishing the snapshot would have to wait for the other runs of the backfill
to finish their days (a snapshot shows whole days), holding its slot in the run queue meanwhile.
As unpartitioned assets with this condition, Dagster's automation sensor (the daemon, every 30 s)
requests them once a day has landed and no day is still in progress: after a scheduled day, once;
after a backfill, once at its end (or in a pause between its runs). ``spotify-assets run``
materializes them itself after its day(s).
"""

from __future__ import annotations

import dagster as dg

AFTER_DAYS_LAND = (
    # A day of what they read was updated since they were last requested...
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    # ... and no day of it is being built now, nor are they themselves (so never mid-backfill-run).
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after days land, none in progress")
