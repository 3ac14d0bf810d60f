"""Changes to a flow by path — pure: no Django import. Each returns a new list of steps (the
given one is not touched), or raises KeyError when the path names no place in the flow.

- `replace(steps, "2.then.0", step)`: the step there becomes `step`;
- `insert(steps, "2.then.0", step)`: `step` goes there, the rest of that list moves down
  (a path one past the end appends; "2.else.0" fills an empty branch);
- `delete(steps, path)`; `move(steps, path, -1 | +1)`: up or down within its own list.
"""

import copy
from typing import Any

Step = dict[str, Any]


def _container(steps: list[Step], path: str) -> tuple[list[Step], int]:
    """The list holding `path` (inside `steps`, which the caller owns) and the index."""
    head, _sep, last = path.rpartition(".")
    try:
        index = int(last)
    except ValueError:
        raise KeyError(path) from None
    if not head:
        return steps, index
    owner_path, _sep, branch = head.rpartition(".")
    if branch not in ("then", "else") or not owner_path:
        raise KeyError(path)
    owner_list, owner_index = _container(steps, owner_path)
    if not 0 <= owner_index < len(owner_list):
        raise KeyError(path)
    owner = owner_list[owner_index]
    if not isinstance(owner, dict) or owner.get("type") != "condition":
        raise KeyError(path)
    if not isinstance(owner.get(branch), list):
        owner[branch] = []
    return owner[branch], index


def replace(steps: list[Step], path: str, step: Step) -> list[Step]:
    new = copy.deepcopy(steps)
    siblings, index = _container(new, path)
    if not 0 <= index < len(siblings):
        raise KeyError(path)
    siblings[index] = step
    return new


def insert(steps: list[Step], path: str, step: Step) -> list[Step]:
    new = copy.deepcopy(steps)
    siblings, index = _container(new, path)
    if not 0 <= index <= len(siblings):
        raise KeyError(path)
    siblings.insert(index, step)
    return new


def delete(steps: list[Step], path: str) -> list[Step]:
    new = copy.deepcopy(steps)
    siblings, index = _container(new, path)
    if not 0 <= index < len(siblings):
        raise KeyError(path)
    del siblings[index]
    return new


def move(steps: list[Step], path: str, offset: int) -> list[Step]:
    """The step one place up (-1) or down (+1) in its list; at an end, unchanged."""
    new = copy.deepcopy(steps)
    siblings, index = _container(new, path)
    if not 0 <= index < len(siblings):
        raise KeyError(path)
    other = index + offset
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    return new


def get(steps: list[Step], path: str) -> Step:
    siblings, index = _container(copy.deepcopy(steps), path)
    if not 0 <= index < len(siblings):
        raise KeyError(path)
    return siblings[index]
