"""A scenario's steps as a tree, addressed by paths — pure: no Django import.

Steps are a list; a `condition` step holds two more lists, `then` and `else`. A step's path
names where it is: "0" is the first step, "2.then.0" the first step of the third step's
`then` branch. A run stores its current path; after a step it moves to `following(path)`:
the next step in the same list, or, at the end of a branch, the step after the condition
that holds it, or None at the end of the scenario. The flow has no jumps back, so every run
ends and each path is taken at most once per run.
"""

from collections.abc import Iterator
from typing import Any

BRANCHES = ("then", "else")
MAX_STEPS = 200
MAX_DEPTH = 8

Step = dict[str, Any]


def _parse(path: str) -> list[int | str]:
    parts: list[int | str] = []
    for i, part in enumerate(path.split(".")):
        parts.append(int(part) if i % 2 == 0 else part)
    return parts


def at(steps: list[Step], path: str) -> Step | None:
    """The step at `path`, or None when there is none (a path of an older version)."""
    node: Any = steps
    try:
        for part in _parse(path):
            node = node[part]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return node if isinstance(node, dict) else None


def _siblings(steps: list[Step], path: str) -> tuple[list[Step], str, int]:
    """The list holding `path`, the path of that list's owner ("" for the top), the index."""
    head, _sep, last = path.rpartition(".")
    if not head:
        return steps, "", int(last)
    owner, _sep, branch = head.rpartition(".")
    condition = at(steps, owner)
    assert condition is not None
    return list(condition.get(branch) or []), owner, int(last)


def first(steps: list[Step]) -> str | None:
    return "0" if steps else None


def following(steps: list[Step], path: str) -> str | None:
    """Where a run goes after the step at `path` (None: the scenario is over)."""
    siblings, owner, index = _siblings(steps, path)
    if index + 1 < len(siblings):
        head, _sep, _last = path.rpartition(".")
        return f"{head}.{index + 1}" if head else str(index + 1)
    if not owner:
        return None
    return following(steps, owner)


def enter(steps: list[Step], path: str, branch: str) -> str | None:
    """Where a run goes when the condition at `path` chose `branch`."""
    condition = at(steps, path)
    if condition and condition.get(branch):
        return f"{path}.{branch}.0"
    return following(steps, path)


def walk(steps: list[Step], prefix: str = "") -> Iterator[tuple[str, Step]]:
    """Every step with its path, top to bottom (a condition before its branches)."""
    for index, step in enumerate(steps):
        path = f"{prefix}{index}"
        yield path, step
        if step.get("type") == "condition":
            for branch in BRANCHES:
                yield from walk(list(step.get(branch) or []), f"{path}.{branch}.")


def depth(path: str) -> int:
    return path.count(".") // 2


def shape_errors(steps: Any, path: str = "steps") -> list[tuple[str, str]]:
    """What is wrong with the tree's shape ((path, code) pairs): not a list, a step that is
    not an object or has no type, branches that are not lists, too many steps, too deep."""
    errors: list[tuple[str, str]] = []
    count = 0

    def check(nodes: Any, where: str, level: int) -> None:
        nonlocal count
        if not isinstance(nodes, list):
            errors.append((where, "not_a_list"))
            return
        if level > MAX_DEPTH:
            errors.append((where, "too_deep"))
            return
        for index, node in enumerate(nodes):
            here = f"{where}[{index}]"
            count += 1
            if not isinstance(node, dict):
                errors.append((here, "not_a_step"))
                continue
            if not isinstance(node.get("type"), str):
                errors.append((f"{here}.type", "required"))
                continue
            if node["type"] == "condition":
                for branch in BRANCHES:
                    check(node.get(branch, []), f"{here}.{branch}", level + 1)

    check(steps, path, 0)
    if count > MAX_STEPS:
        errors.append((path, "too_many"))
    return errors


def error_path(path: str) -> str:
    """A run path as the API names it in errors: "2.then.0" → "steps[2].then[0]"."""
    parts = path.split(".")
    out = f"steps[{parts[0]}]"
    for i in range(1, len(parts), 2):
        out += f".{parts[i]}[{parts[i + 1]}]"
    return out
