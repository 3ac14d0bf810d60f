"""Ids and numbers from query strings: only what a 64-bit database column can hold."""

import pytest

from rapport.core.params import parse_id, parse_int


@pytest.mark.parametrize(
    ("value", "as_id", "as_int"),
    [
        ("42", 42, 42),
        (" 7 ", 7, 7),
        ("0", None, 0),
        ("-3", None, -3),
        ("9223372036854775807", 2**63 - 1, 2**63 - 1),
        ("9223372036854775808", None, None),
        ("-9223372036854775809", None, None),
        ("99999999999999999999999", None, None),
        ("2.5", None, None),
        ("1e3", None, None),
        ("١٢", None, None),  # Arabic-Indic digits: int() takes them, ids never hold them
        ("", None, None),
        (None, None, None),
        (True, None, None),
    ],
)
def test_ids_and_numbers_from_a_query_string_fit_the_database(value, as_id, as_int):
    assert (parse_id(value), parse_int(value)) == (as_id, as_int)
