"""One reconcile run: read Kandji's first page (the page-size probe, and the total for the
ETA), then every Okta app user page, then the rest of Kandji's pages, comparing as they come;
finally the System Log reasons for whoever is missing. Every finished page is journaled first,
so an interrupted run resumes after the last one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wizard.engine.prove import classify_event
from wizard.kandji.users import ScimPage, ScimUserPager, compact_user
from wizard.okta.client import APP_USERS_PAGE_LIMIT, OktaClient
from wizard.reconcile.compare import Comparer, okta_entry
from wizard.reconcile.journal import Journal
from wizard.reconcile.model import KandjiEntry, OktaEntry, Progress, Summary
from wizard.reconcile.output import RowWriter


@dataclass
class ReconcileResult:
    summary: Summary
    okta_calls: int
    scim_calls: int
    resumed_pages: int
    seconds: float
    reasons_read: bool = True
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_dict(),
            "okta_calls": self.okta_calls,
            "scim_calls": self.scim_calls,
            "resumed_pages": self.resumed_pages,
            "seconds": round(self.seconds, 3),
            "warnings": list(self.warnings),
        }


@dataclass
class _Resume:
    kandji_next: int | None = 1
    kandji_count: int | None = None
    kandji_total: int | None = None
    kandji_started: bool = False
    okta_next: str | None = None
    okta_done: bool = False
    pages: int = 0


async def reconcile(
    okta: OktaClient,
    pager: ScimUserPager,
    app_id: str,
    writer: RowWriter,
    *,
    since: datetime,
    journal: Journal | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    okta_page_limit: int = APP_USERS_PAGE_LIMIT,
) -> ReconcileResult:
    """Compare, journaling each finished page; on Ctrl+C, a crash or a cancelled worker the
    journal keeps what was read and the next run with the same identity resumes from it."""
    started = clock()
    okta_calls_before = len(okta.call_log)
    scim_calls_before = pager.calls
    comparer = Comparer(writer)
    progress = Progress("kandji-probe")
    resume = _replay(journal, comparer, progress) if journal is not None else _Resume()
    if journal is not None:
        journal.open(resume=resume.pages > 0)
    progress.resumed_pages = resume.pages

    def report(phase: str) -> None:
        progress.phase = phase  # type: ignore[assignment]
        progress.elapsed = clock() - started
        if on_progress is not None:
            on_progress(progress)

    def record_kandji(page: ScimPage) -> None:
        entries = [KandjiEntry(*compact_user(u)) for u in page.users]
        if journal is not None:
            journal.write(
                {
                    "kind": "kandji",
                    "start": page.start_index,
                    "next": page.next_index,
                    "total": page.total,
                    "count": page.count,
                    "users": entries,
                }
            )
        progress.kandji_total = page.total
        progress.kandji_read += len(entries)
        comparer.add_kandji(entries)

    try:
        kandji_pages: AsyncIterator[ScimPage] | None = None
        if resume.kandji_next is not None:
            kandji_pages = pager.pages(resume.kandji_next, resume.kandji_count).__aiter__()
            if not resume.kandji_started:
                report("kandji-probe")
                first = await anext(kandji_pages, None)
                if first is not None:
                    record_kandji(first)
                    if first.next_index is None:
                        kandji_pages = None
                else:
                    kandji_pages = None
        if not resume.okta_done:
            report("okta")
            async for page in okta.app_user_pages(app_id, limit=okta_page_limit, resume_url=resume.okta_next):
                entries = [okta_entry(u) for u in page.items]
                if journal is not None:
                    journal.write({"kind": "okta", "next": page.next_url, "users": entries})
                comparer.add_okta(entries)
                progress.okta_read += len(entries)
                report("okta")
        progress.okta_total = progress.okta_read
        comparer.finish_okta()
        if kandji_pages is not None:
            report("kandji")
            async for page in kandji_pages:
                record_kandji(page)
                report("kandji")
        report("reasons")
        reasons, warnings = await _reasons(okta, app_id, since, comparer.missing_ids())
        summary = comparer.finish(reasons)
        writer.finish(summary, {"app_id": app_id, "since": since.isoformat()})
        if journal is not None:
            journal.write({"kind": "finished"})
            journal.discard()
        report("done")
        return ReconcileResult(
            summary,
            len(okta.call_log) - okta_calls_before,
            pager.calls - scim_calls_before,
            resume.pages,
            clock() - started,
            not warnings,
            warnings,
        )
    finally:
        if journal is not None:
            journal.close()


def _replay(journal: Journal, comparer: Comparer, progress: Progress) -> _Resume:
    state = _Resume()
    for line in journal.replay():
        kind = line.get("kind")
        users = line.get("users") or []
        if kind == "kandji":
            entries = [KandjiEntry(str(u[0]), str(u[1]), bool(u[2]), str(u[3])) for u in users]
            comparer.add_kandji(entries)
            progress.kandji_read += len(entries)
            progress.kandji_total = line.get("total")
            state.kandji_started = True
            state.kandji_next = line.get("next")
            state.kandji_count = line.get("count")
            state.kandji_total = line.get("total")
        elif kind == "okta":
            okta_users = [OktaEntry(*(str(v) for v in u)) for u in users]
            comparer.add_okta(okta_users)
            progress.okta_read += len(okta_users)
            state.okta_next = line.get("next")
            state.okta_done = state.okta_next is None
        else:
            continue
        state.pages += 1
    return state


async def _reasons(
    okta: OktaClient, app_id: str, since: datetime, missing: set[str]
) -> tuple[dict[str, str], list[str]]:
    """The latest System Log failure for each missing user, in the wizard's words."""
    from wizard.okta.errors import OktaError

    if not missing:
        return {}, []
    reasons: dict[str, str] = {}
    try:
        async for page in okta.provisioning_failure_pages(app_id, since):
            for event in page.items:
                for target in event.get("target") or []:
                    if (
                        isinstance(target, dict)
                        and target.get("type") == "User"
                        and target.get("id") in missing
                    ):
                        diagnosis = classify_event(event)
                        step = f" (step {diagnosis.fix_step})" if diagnosis.fix_step else ""
                        reasons[str(target["id"])] = f"{diagnosis.title}{step}: {diagnosis.detail}"
    except OktaError as exc:
        return reasons, [f"The System Log could not be read, so missing users show Okta's state only: {exc}"]
    return reasons, []
