"""A stop waits for the running jobs and starts no new one, so nothing is cancelled."""

import asyncio
import logging

from telegram.ext import ApplicationBuilder

from app.serve import hold_jobs


async def stop_while_jobs_run(hold: bool, caplog) -> tuple[int, int, list[str]]:
    app = ApplicationBuilder().token("1:TEST").build()
    started, finished = [], []

    async def slow(context) -> None:
        started.append(1)
        await asyncio.sleep(0.3)
        finished.append(1)

    # as the delivery job: a run longer than the interval, two at once at most
    app.job_queue.run_repeating(slow, interval=0.05, first=0, job_kwargs={"max_instances": 2})
    await app.job_queue.start()
    await asyncio.sleep(0.12)
    with caplog.at_level(logging.ERROR):
        if hold:
            hold_jobs(app)
        await app.job_queue.stop(wait=True)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    return len(started), len(finished), errors


async def test_a_stop_cancels_no_job(caplog):
    started, finished, errors = await stop_while_jobs_run(True, caplog)
    assert started >= 1 and finished == started
    assert errors == []


async def test_without_the_hold_a_job_started_during_the_wait_is_cancelled(caplog):
    # what the hold prevents: PTB waits only for the jobs running when its stop began
    started, finished, errors = await stop_while_jobs_run(False, caplog)
    assert finished < started
    assert errors  # APScheduler logs the cancelled run with its traceback
