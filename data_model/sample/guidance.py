"""Synthetic guidance data of the sample: need tiers and guidance contacts of the last years.

Split from generator.py. Riskier schools (lower level, more disadvantage) get a higher need
tier and more contacts; each contact has a goal code, a core task, a form and its hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from data_model.vocabulary import CORE_TASKS, GUIDANCE_FORMS, HALF_DAY_HOURS, NEED_TIERS

GOAL_CODES = ("NO 1.3", "NO 2.1", "BAO 1.2", "BAO 2.1", "BAO 3.2", "BAO BI 1.2", "BAO BI 3.1")
BASIC, RAISED, HIGH = NEED_TIERS
CONTACTS_PER_YEAR = {BASIC: 2, RAISED: 6, HIGH: 11}  # Poisson means per need tier
INDIVIDUAL, NETWORK = GUIDANCE_FORMS


def guidance_rows(
    schools: pd.DataFrame,
    context: pd.DataFrame,
    links: list[tuple[Any, ...]],
    years: Sequence[int],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(need tiers, contacts) for the school years starting in `years`."""
    anker_of = {s: u for u, s in links if u.startswith("anker-")}
    need_rows, contact_rows = [], []
    for y in years:
        ctx = context[context["school_year"] == f"{y}-{y + 1}"].set_index("school_id")
        risk = (
            -schools["level"].to_numpy() / 3
            + ctx.loc[schools["school_id"], "ses_index"].to_numpy() / 25
        )
        risk = risk + rng.normal(0, 0.5, len(schools))
        q_hi, q_mid = np.quantile(risk, [0.88, 0.65])
        for i, sid in enumerate(schools["school_id"]):
            tier = HIGH if risk[i] >= q_hi else (RAISED if risk[i] >= q_mid else BASIC)
            need_rows.append((sid, f"{y}-{y + 1}", tier))
            for c in range(rng.poisson(CONTACTS_PER_YEAR[tier])):
                day = int(rng.integers(0, 300))
                hours = float(rng.choice([1.5, 2.0, 3.0, 3.5, 4.0, 7.0]))
                contact_rows.append(
                    (
                        f"C{y}-{sid}-{c + 1:02d}",
                        sid,
                        f"{y}-{y + 1}",
                        (pd.Timestamp(f"{y}-09-01") + pd.Timedelta(days=day)).date(),
                        anker_of.get(sid, "anker-001"),
                        str(rng.choice(GOAL_CODES)),
                        str(rng.choice(CORE_TASKS)),
                        NETWORK if rng.random() < 0.25 else INDIVIDUAL,
                        hours,
                        max(1, math.ceil(hours / HALF_DAY_HOURS)),  # one unit per half day
                    )
                )
    need = pd.DataFrame(need_rows, columns=["school_id", "school_year", "tier"])
    contacts = pd.DataFrame(
        contact_rows,
        columns=["contact_id", "school_id", "school_year", "contact_date", "anker_id",
                 "goal_code", "core_task", "form", "hours", "units"],
    )  # fmt: skip
    return need, contacts
