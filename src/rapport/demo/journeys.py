"""Each demo customer's sales story, drawn in numpy for a whole batch at once.

`plan` decides, per contact, the first enquiry (source, funnel times, disqualification), the
deal that follows a conversion (its path through the pipeline), the first booking and the
repeat bookings (a seasonal purchase process with a per-customer rate and drop-out chance, so
frequency and recency carry signal for RFM and CLV work). Events later than `now` have not
happened yet, which is what leaves recent leads and deals open. `journey_rows.expand` turns a
plan into rows for the sales tables. No Django imports: a plan crosses process boundaries as arrays.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rapport.demo import sales_pools as sp

Row = tuple[Any, ...]
DAY = 86400
HOUR = 3600


# Funnel odds and mean delays (seconds).
HAS_LEAD = 0.92
DIRECT_BUYER = 0.5  # of adults without an enquiry: walk in and buy at once
DISQUALIFIED = 0.08
STEP_OK = (0.95, 0.90, 0.96)  # enquiry → offer → booking → won
STEP_DELAY = (2 * DAY, 4 * DAY, 2.5 * DAY)
REPEAT_VIA_LEAD = 0.15
REPEAT_LOST = 0.12
# Repeat bookings follow the BG/NBD story (Poisson bookings at a gamma-spread rate, a
# beta-spread chance to stop after each), spread widely enough that the small demo's ~330
# customers identify the model (with beta(1, 7) its fit ran off to a, b → ∞) and that under
# a third of the customers buy only once, so RFM's tie rule (analytics.maths.rfm: equal
# purchase days share their mid-rank's quintile) leaves no F column empty.
RATE_PER_YEAR = 4.0  # mean repeat bookings a year of an active customer
RATE_SHAPE = 2.5  # gamma shape of the customers' booking rates (smaller: more spread)
DROPOUT = (0.3, 2.0)  # beta(a, b) of the chance to drop out after each booking
MIN_GAP_DAYS = 7.0  # nobody books their next holiday within days of the last one
MAX_ROUNDS = 80


@dataclass
class Facts:
    """What the sales story of a batch of contacts depends on."""

    ids: np.ndarray  # contact ids
    created: np.ndarray  # epoch seconds
    owner: np.ndarray
    company: np.ndarray  # 0 = none
    minor: np.ndarray  # bool
    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """A batch's stories as arrays; `stage` and `source` are the contacts' own columns."""

    facts: Facts
    seed: int
    start: int
    stage: list[str]
    source: list[str]
    arrays: dict[str, np.ndarray]


def timestamps(epochs: np.ndarray) -> list[str]:
    text = np.datetime_as_string(epochs.astype("datetime64[s]"), unit="s")
    return [t.replace("T", " ") for t in text.tolist()]


def dates(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").tolist()


def normalised(weights: list[float]) -> np.ndarray:
    w = np.array(weights, float)
    return w / w.sum()


def _season_clock(window_start: int, now: int) -> tuple[np.ndarray, np.ndarray]:
    """Days since the epoch and the cumulative booking intensity up to each (mean 1 a day)."""
    days = np.arange(window_start // DAY, now // DAY + 2, dtype=np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    weight = np.array(sp.SEASON_ORDERS)[months]
    weight = weight / weight.mean()
    return days.astype(float), np.concatenate([[0.0], np.cumsum(weight)[:-1]])


def plan(facts: Facts, *, seed: int, start: int, now: int, window_start: int) -> Plan:
    """Draw the stories of a batch (deterministic for a seed and the batch's first index)."""
    rng = np.random.default_rng([seed, start, 1])
    n = len(facts.ids)
    u = rng.random((n, 10))
    adult = ~facts.minor
    has_lead = adult & (u[:, 0] < HAS_LEAD)
    direct = adult & ~has_lead & (u[:, 1] < DIRECT_BUYER)
    source = rng.choice(len(sp.SOURCES), n, p=normalised([s.first_weight for s in sp.SOURCES]))
    lead_at = np.maximum(facts.created - (u[:, 2] * 3 * DAY).astype(np.int64), window_start)
    lead_at = np.minimum(lead_at, facts.created)
    t_contacted = lead_at + rng.exponential(5 * HOUR, n).astype(np.int64) + 300
    disq = u[:, 3] < DISQUALIFIED
    t_disq = t_contacted + rng.exponential(DAY, n).astype(np.int64) + 600
    t_qualified = t_contacted + rng.exponential(1.5 * DAY, n).astype(np.int64) + 600
    t_converted = t_qualified + rng.exponential(1.5 * DAY, n).astype(np.int64) + 600
    converted = has_lead & ~disq & (t_converted <= now)
    corporate = (facts.company > 0) & (u[:, 4] < 0.7)
    steps = (
        np.stack(
            [rng.exponential(d, n).astype(np.int64) + HOUR for d in STEP_DELAY], axis=1
        ).cumsum(axis=1)
        + t_converted[:, None]
    )
    ok = np.stack([u[:, 5 + k] < STEP_OK[k] for k in range(3)], axis=1)
    reached, lost_step = _walk(steps, ok, now)
    won = converted & (reached == 3)
    deal_lost = converted & (lost_step > 0)
    first_order = np.where(won, steps[:, 2], 0)
    walk_in_at = facts.created + rng.exponential(2 * DAY, n).astype(np.int64)
    direct &= walk_in_at <= now
    first_order = np.where(direct, walk_in_at, first_order)
    customer = won | direct

    lead_status = np.full(n, "", dtype=object)
    lead_status[has_lead] = "new"
    lead_status[has_lead & (t_contacted <= now)] = "contacted"
    lead_status[has_lead & disq & (t_disq <= now)] = "disqualified"
    lead_status[has_lead & ~disq & (t_qualified <= now)] = "qualified"
    lead_status[converted] = "converted"
    stage = np.full(n, "prospect", dtype=object)
    stage[has_lead] = "lead"
    stage[(lead_status == "disqualified") | deal_lost] = "lost"
    stage[customer] = "customer"
    names = np.array([s.name for s in sp.SOURCES], dtype=object)
    contact_source = np.where(has_lead, names[source], "")
    contact_source = np.where(direct, "Walk-in", contact_source)
    contact_source = np.where(~has_lead & ~direct & adult, "Website", contact_source)

    repeat_contact, repeat_at = _repeat_bookings(
        rng, first_order, customer, facts.company > 0, now=now, window_start=window_start
    )
    arrays = {
        "has_lead": has_lead, "direct": direct, "source": source, "lead_at": lead_at,
        "t_contacted": t_contacted, "disq": disq, "t_disq": t_disq, "t_qualified": t_qualified,
        "t_converted": t_converted, "converted": converted, "corporate": corporate,
        "steps": steps, "reached": reached, "lost_step": lost_step, "won": won,
        "first_order": first_order, "customer": customer,
        "repeat_contact": repeat_contact, "repeat_at": repeat_at,
    }  # fmt: skip
    return Plan(
        facts=facts,
        seed=seed,
        start=start,
        stage=stage.tolist(),
        source=contact_source.tolist(),
        arrays=arrays,
    )


def _walk(steps: np.ndarray, ok: np.ndarray, now: int) -> tuple[np.ndarray, np.ndarray]:
    """How far each deal got by `now` (0-3, 3 = won) and at which step it was lost (0: not)."""
    n = len(steps)
    reached = np.zeros(n, np.int64)
    lost_step = np.zeros(n, np.int64)
    going = np.ones(n, bool)
    for k in range(3):
        happened = going & (steps[:, k] <= now)
        lost = happened & ~ok[:, k]
        lost_step[lost] = k + 1
        moved = happened & ok[:, k]
        reached[moved] = k + 1
        going = moved
    return reached, lost_step


def _repeat_bookings(
    rng: np.random.Generator,
    first_order: np.ndarray,
    customer: np.ndarray,
    corporate: np.ndarray,
    *,
    now: int,
    window_start: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Later bookings: gaps drawn in "seasonal time" (more in June-July and December), a
    gamma-distributed rate per customer, and a chance to drop out after every booking."""
    grid, clock = _season_clock(window_start, now)
    who = np.flatnonzero(customer)
    rate = rng.gamma(RATE_SHAPE, RATE_PER_YEAR / RATE_SHAPE, len(who))
    rate *= np.where(corporate[who], 2.0, 1.0)
    dropout = rng.beta(*DROPOUT, len(who))
    at = np.interp(first_order[who] / DAY, grid, clock)
    limit = clock[-1] - (grid[-1] - now / DAY)
    out_contact, out_at = [], []
    active = np.arange(len(who))
    for _ in range(MAX_ROUNDS):
        active = active[rng.random(len(active)) >= dropout[active]]
        if not len(active):
            break
        at[active] += MIN_GAP_DAYS + rng.exponential(1.0, len(active)) * 365.0 / rate[active]
        active = active[at[active] < limit]
        out_contact.append(who[active])
        out_at.append((np.interp(at[active], clock, grid) * DAY).astype(np.int64))
    if not out_contact:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_contact), np.minimum(np.concatenate(out_at), now - 60)
