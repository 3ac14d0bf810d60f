"""Rule errors in words: `rules.RuleError` carries a code and its parameters, worded here in
the reader's language (the pure rule module knows no language)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.segments.rules import RuleError


def _texts() -> dict[str, str]:
    return {
        "not_a_node": _(
            'Give a group ({"all": [...]}, {"any": [...]}, {"not": ...}) '
            'or a condition ({"field", "op", "value"}).'
        ),
        "group_keys": _("A group has exactly one key: all, any or not."),
        "group_not_list": _("A group's conditions come as a list."),
        "empty_group": _("This group is empty: add a condition or remove the group."),
        "too_deep": _("Groups nest at most %(max)s deep."),
        "too_many_nodes": _("A rule has at most %(max)s groups and conditions."),
        "too_large": _("The rule is too large (at most %(max)s characters of JSON)."),
        "unknown_key": _("Unknown key: a condition has field, op, value and window_days."),
        "field_missing": _("Name the field to compare."),
        "unknown_field": _("Unknown field “%(field)s”: see GET segments/fields."),
        "unknown_op": _("This field takes the operators %(ops)s."),
        "no_window": _("“%(field)s” takes no window."),
        "bad_days": _("Give a whole number of days from 0 to %(max)s."),
        "no_value": _("This operator takes no value."),
        "list_expected": _("Give a non-empty list of values."),
        "list_too_long": _("Give at most %(max)s values."),
        "pair_expected": _("Give two values: [from, to]."),
        "pair_order": _("The first value must not be greater than the second."),
        "text_expected": _("Give a text."),
        "text_too_long": _("Give a text of at most %(max)s characters."),
        "not_a_choice": _("This is not one of the field's choices."),
        "id_expected": _("Give a record id (a positive whole number)."),
        "boolean_expected": _("Give true or false."),
        "number_expected": _("Give a number."),
        "date_expected": _("Give a date like 2026-07-01 (years 1900 to 2999)."),
        "unknown_segment": _("There is no segment %(id)s (or you may not see it)."),
        "segment_cycle": _(
            "Segment %(id)s includes this one: segments may not name each other in a circle."
        ),
        "segment_invalid": _("Segment “%(name)s” has a rule that no longer holds: %(reason)s"),
        "too_slow": _("Counting this rule took too long; narrow it down and try again."),
    }


def word(error: RuleError) -> str:
    text = _texts().get(error.code, error.code)
    try:
        return text % error.params if error.params else text
    except (KeyError, TypeError, ValueError):
        return text


def as_validation_error(error: RuleError) -> ValidationError:
    """The error as a form/API field error keyed by the bad node's path (`rule.all[2].op`)."""
    return ValidationError({error.path: [word(error)]})
