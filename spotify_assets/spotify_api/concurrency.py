"""A bounded thread pool that streams results and lets a task ask for follow-up tasks.

Fetching album tracks is a small tree: an ``albums?ids=`` batch reveals which albums need extra
track pages. Running the follow-ups in the same pool as soon as they are known keeps every worker
busy, and yielding each result as it completes lets the caller land it and drop it: at most
``2 * max_workers`` results are ever waiting in memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Outcome(Generic[Task, Result]):
    """What one task produced (``result`` None when it had nothing to hand back) and what to run next."""

    result: Result | None
    follow_ups: Sequence[Task] = field(default_factory=tuple)


def run_streaming(
    tasks: Iterable[Task],
    work: Callable[[Task], Outcome[Task, Result]],
    max_workers: int,
    thread_name_prefix: str = "spotify",
) -> Iterator[Outcome[Task, Result]]:
    """Run ``work`` over ``tasks`` and their follow-ups on ``max_workers`` threads, yielding outcomes
    in completion order. The first failure is raised and the tasks not yet started are cancelled."""
    queued: deque[Task] = deque()
    source = iter(tasks)
    window = 2 * max_workers
    pending: set[Future[Outcome[Task, Result]]] = set()

    def next_task() -> Task | None:
        """Follow-ups first: they finish albums already started, so finished work leaves memory sooner."""
        return queued.popleft() if queued else next(source, None)

    with ThreadPoolExecutor(max_workers, thread_name_prefix=thread_name_prefix) as pool:
        try:
            while True:
                while len(pending) < window and (task := next_task()) is not None:
                    pending.add(pool.submit(work, task))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    queued.extend(outcome.follow_ups)
                    yield outcome
        finally:
            for future in pending:
                future.cancel()
