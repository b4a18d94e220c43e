"""The process harness the tests and the benchmarks share: real Dagster processes over scratch
instances, and what they talk to.

- ``processes``: free ports, starting a command in a process group of its own, stopping that group
  whole and proving nothing of it is left.
- ``instance``: a scratch DAGSTER_HOME (from dagster_home/dagster.yaml or deploy/dagster.yaml) and the
  environment a server runs in there, on the embedded emulator.
- ``graphql``: a running webserver's GraphQL API (launch runs and backfills, schedules, sensors,
  statuses), as the UI's buttons call it.
- ``dagster_dev``: ``dg dev`` (what ``make dev`` runs) from the repo root over a scratch instance,
  and the ``dagster dev -w workspace.yaml`` it supersedes.
- ``postgres``: a throwaway PostgreSQL cluster.
- ``topology``: the production topology (code server, daemon, webserver) as separate processes.

It works from a source checkout (it starts commands from the repo root and reads its yaml files)
and is never imported by the definitions. No pytest here: what goes wrong is a ``HarnessError``; a
test fixture turns it into a failure or a skip, the benchmark into a report line.
"""
