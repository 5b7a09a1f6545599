"""Stopping the queue's background loops: a loop that swallows one cancellation still ends.

saq's idle loops call Redis; when such a call swallows the cancellation the
loop sleeps out its timer (up to a minute) before it checks again, and every
app shutdown (and every PostgreSQL test's teardown) waited for it.
:func:`core.queue.base.cancel_until_done` cancels until the task has ended.
"""

from __future__ import annotations

import asyncio

from core.queue.base import cancel_until_done


async def _loop_that_swallows_one_cancel(stopped: asyncio.Event) -> None:
    """Like saq's upkeep loop when its Redis call ate the cancellation."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        pass  # swallowed, as the Redis call did
    try:
        await asyncio.sleep(3600)  # the loop's timer
    finally:
        stopped.set()


async def test_a_loop_that_swallows_a_cancellation_is_cancelled_again_until_it_ends() -> None:
    stopped = asyncio.Event()
    task = asyncio.create_task(_loop_that_swallows_one_cancel(stopped))
    await asyncio.sleep(0)  # let it start and wait

    still_running = await cancel_until_done([task])

    assert still_running == set()
    assert task.cancelled() and stopped.is_set()


async def test_one_cancel_leaves_such_a_loop_running() -> None:
    """Why one cancel is not enough (what saq's stop() does)."""
    stopped = asyncio.Event()
    task = asyncio.create_task(_loop_that_swallows_one_cancel(stopped))
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0.05)

    assert not task.done()
    assert await cancel_until_done([task]) == set() and stopped.is_set()


async def test_tasks_already_done_are_left_alone() -> None:
    finished = asyncio.create_task(asyncio.sleep(0, result="done"))
    await finished

    assert await cancel_until_done([finished]) == set()
    assert finished.result() == "done"
