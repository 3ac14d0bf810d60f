"""Changes to a flow by path (automation.edits): pure list surgery the editor saves."""

from typing import Any

import pytest

from rapport.automation import edits

A = {"type": "tag_add", "tag": "a"}
B = {"type": "tag_add", "tag": "b"}
C = {"type": "tag_add", "tag": "c"}


def flow() -> list[dict[str, Any]]:
    return [A, {"type": "condition", "rule": {}, "then": [B], "else": []}, C]


def test_insert_after_a_step_into_a_branch_and_into_an_empty_branch():
    steps = flow()
    assert edits.insert(steps, "1", C)[1] == C
    assert edits.insert(steps, "3", B)[3] == B  # one past the end appends
    assert edits.insert(steps, "1.then.1", C)[1]["then"] == [B, C]
    assert edits.insert(steps, "1.else.0", A)[1]["else"] == [A]
    assert steps == flow()  # the given list is left alone


def test_replace_delete_and_move():
    steps = flow()
    assert edits.replace(steps, "1.then.0", C)[1]["then"] == [C]
    assert edits.delete(steps, "0") == steps[1:]
    assert edits.move(steps, "2", -1) == [A, C, steps[1]]
    assert edits.move(steps, "0", -1) == steps  # already first
    assert edits.get(steps, "1.then.0") == B


@pytest.mark.parametrize(
    ("op", "path"),
    [
        ("replace", "3"),
        ("delete", "1.else.0"),
        ("insert", "5"),
        ("insert", "0.then.0"),  # not a condition
        ("insert", "1.maybe.0"),
        ("delete", "x"),
    ],
)
def test_a_path_that_names_no_place_is_a_key_error(op, path):
    call = {
        "replace": lambda: edits.replace(flow(), path, A),
        "delete": lambda: edits.delete(flow(), path),
        "insert": lambda: edits.insert(flow(), path, A),
    }[op]
    with pytest.raises(KeyError):
        call()
