"""Simple steps of many runs at once: the runs of a claim standing at the same step of the
same version (a storm of orders all at "tag the customer") take it together, in one
transaction — the effect for all their contacts, one RunStep row each, the runs moved on —
instead of one transaction per run. The same rows as the runner's one-by-one way, written
with a handful of statements.

Only steps whose effect and outcome do not depend on the single contact (a tag added or
removed, a static list joined) go this way; everything else stays with runner.step_once.
Exactly once holds as there: the runs are read under the claim's lease in the transaction
that writes their RunStep rows, and a second writer of the same run × step breaks the
unique constraint and rolls the whole group back.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F

from rapport.automation import actions, flow
from rapport.automation.models import Run, RunStatus, RunStep, ScenarioVersion
from rapport.automation.rows import adapted, insert_select
from rapport.contacts.models import Contact, Tag
from rapport.core.lookups import ids_in, ids_match, ids_select
from rapport.segments.models import Segment
from rapport.segments.services import members_enter

Tagging = Contact.tags.through


# What a bulk form returns: the step's outcome and detail, the same for every run of the group.
Done = tuple[str, dict[str, Any]]
Form = Callable[[dict[str, Any], list[int], dt.datetime], Done]


def _tag_add(step: dict[str, Any], contacts: list[int], now: dt.datetime) -> Done:
    tag, _created = Tag.objects.get_or_create(name=step["tag"].strip()[:60])
    chosen, params = ids_select(contacts)
    select = f"SELECT c.value, %s FROM ({chosen}) c WHERE true"  # noqa: S608
    insert_select(Tagging, ("contact", "tag"), select, [tag.pk, *params], ignore_conflicts=True)
    return RunStep.Outcome.DONE, {"tag": tag.name}


def _tag_remove(step: dict[str, Any], contacts: list[int], now: dt.datetime) -> Done:
    tag = Tag.objects.filter(name=step["tag"].strip()[:60]).first()
    if tag is not None:
        Tagging.objects.filter(ids_in("contact_id", contacts), tag=tag).delete()
    return RunStep.Outcome.DONE, {"tag": step["tag"]}


def _list_add(step: dict[str, Any], contacts: list[int], now: dt.datetime) -> Done:
    """actions.list_add for many contacts: the same members and "entered" changes."""
    segment = Segment.objects.filter(pk=step["segment"]).first()
    if segment is None or segment.is_dynamic:
        return RunStep.Outcome.FAILED, {"reason": "segment_missing", "segment": step["segment"]}
    members_enter(segment=segment, contact_ids=contacts, now=now)
    return RunStep.Outcome.DONE, {"segment": segment.pk, "segment_name": segment.name}


# The bulk form of an action, keyed by the action it stands for: a kind whose action in
# actions.ACTIONS is another (replaced) goes the one-by-one way.
SIMPLE: dict[Callable[..., Any], Form] = {
    actions.tag_add: _tag_add,
    actions.tag_remove: _tag_remove,
    actions.list_add: _list_add,
}


def _bulk_form(step: dict[str, Any] | None) -> Form | None:
    if step is None:
        return None
    return SIMPLE.get(actions.ACTIONS.get(step["type"]))  # type: ignore[arg-type]


def take(ids: list[int], worker: str, now: dt.datetime) -> tuple[int, set[int]]:
    """Take the current step of those of `ids` (leased by `worker`) that stand at a simple
    step; (steps taken, ids of the runs that finished)."""
    taken, finished = 0, set()
    with transaction.atomic():
        rows = list(
            Run.objects.select_for_update()
            .filter(ids_in("pk", ids), lease_owner=worker, status=RunStatus.ACTIVE, waiting=False)
            .order_by("pk")
            .values_list("pk", "version_id", "position", "contact_id")
        )
        versions = dict(
            ScenarioVersion.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", "steps")
        )
        groups: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        simple: dict[tuple[int, str], bool] = {}  # asked once per step, not once per run
        for pk, version, position, contact in rows:
            key = (version, position)
            if key not in simple:
                simple[key] = _bulk_form(flow.at(versions[version], position)) is not None
            if simple[key]:
                groups[key].append((pk, contact))
        for (version, position), members in groups.items():
            steps = versions[version]
            step = flow.at(steps, position)
            form = _bulk_form(step)
            assert step is not None
            assert form is not None
            result, detail = form(step, [contact for _pk, contact in members], now)
            runs = [pk for pk, _contact in members]
            chosen, chosen_params = ids_match("r.id", runs)
            # the step rows made from the run rows; no ON CONFLICT: a step some other
            # worker took already fails the whole group, which then goes one by one
            insert_select(
                RunStep,
                ("run", "position", "kind", "outcome", "detail", "at"),
                f"SELECT r.id, %s, %s, %s, %s, %s FROM {Run._meta.db_table} r "  # noqa: S608
                f"WHERE {chosen}",
                [
                    position,
                    step["type"],
                    result,
                    adapted(RunStep, "detail", detail),
                    adapted(RunStep, "at", now),
                    *chosen_params,
                ],
            )
            moved = {"sequence": F("sequence") + 1, "waiting": False, "attempts": 0, "error": ""}
            following = flow.following(steps, position)
            if following is None:
                moved |= {
                    "status": RunStatus.DONE,
                    "exit_reason": "",
                    "finished_at": now,
                    "due_at": None,
                    "lease_owner": "",
                    "lease_until": None,
                }
                finished.update(runs)
            else:
                moved |= {"position": following, "due_at": now}
            Run.objects.filter(ids_in("pk", runs)).update(**moved)
            taken += len(runs)
    return taken, finished
