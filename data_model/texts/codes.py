"""What a guidance code means, in words: 'KT2' -> 'KT2 (kerntaak 2)', 'BAO BI 3.1' ->
'BAO BI 3.1 (basisonderwijs, begeleidingsinitiatief, operationeel doel 3.1)'.

A bare code reads as jargon to anyone outside the support service. The meaning is built from
the parts of the code (the prefixes below and the number), so a new goal number needs no
change here; a new prefix does.
"""

from __future__ import annotations

import re

# Parts of an operational goal code and of a core task, as the support service uses them.
# A prefix without a known meaning (e.g. NO) is not guessed at: the code then reads
# 'NO 1.3 (operationeel doel 1.3)'.
_GOAL_PREFIXES = {"BAO": "basisonderwijs", "BI": "begeleidingsinitiatief"}
_CORE_TASK_PREFIXES = {"KT": "kerntaak", "BI": "begeleidingsinitiatief"}


def core_task_label(code: object) -> str:
    """'KT2 (kerntaak 2)', 'BI3 (begeleidingsinitiatief 3)'; other text as it is."""
    text = "" if code is None else str(code)
    match = re.fullmatch(r"([A-Z]+)(\d+)", text)
    if not match or match.group(1) not in _CORE_TASK_PREFIXES:
        return text
    return f"{text} ({_CORE_TASK_PREFIXES[match.group(1)]} {match.group(2)})"


def goal_code_label(code: object) -> str:
    """'BAO 2.1 (basisonderwijs, operationeel doel 2.1)'; other text as it is."""
    text = "" if code is None else str(code)
    parts = text.split()
    if len(parts) < 2 or not re.fullmatch(r"\d+(\.\d+)*", parts[-1]):
        return text
    if not all(p.isalpha() and p.isupper() for p in parts[:-1]):
        return text
    words = [_GOAL_PREFIXES[p] for p in parts[:-1] if p in _GOAL_PREFIXES]
    return f"{text} ({', '.join([*words, f'operationeel doel {parts[-1]}'])})"
