"""The contact and company lists' filters, shared by their pages, API lists and exports.

Contacts are filtered by `selectors.filter_contacts` in one call (its query is benchmarked),
so the contact filter set only parses and validates, then hands the values over.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from rapport.contacts import selectors
from rapport.contacts.models import (
    Company,
    ConsentChannel,
    ConsentPurpose,
    Contact,
    LifecycleStage,
    Tag,
)
from rapport.core.filters import ChoiceFilter, Filter, IdFilter, SearchFilter, TextFilter
from rapport.core.filtersets import FilterSet
from rapport.core.forms import owner_options

CONSENT_STATES = ["granted", "withdrawn", "none"]


def _consent_groups() -> list[tuple[Any, list[tuple[str, Any]]]]:
    labels = {"granted": _g("granted"), "withdrawn": _g("withdrawn"), "none": _g("never asked")}
    return [
        (
            channel.label,
            [
                (f"{channel.value}:{purpose.value}:{state}", f"{purpose.label}: {labels[state]}")
                for state in CONSENT_STATES
            ],
        )
        for channel in ConsentChannel
        for purpose in ConsentPurpose
    ]


def _consent_choices() -> list[tuple[str, str]]:
    return [
        (f"{channel}:{purpose}:{state}", f"{channel} {purpose} {state}")
        for channel in ConsentChannel.values
        for purpose in ConsentPurpose.values
        for state in CONSENT_STATES
    ]


@dataclass(frozen=True, kw_only=True)
class CustomFieldsFilter(Filter):
    """`custom.<key>=value` for any custom attribute: read as one {key: value} mapping."""

    in_bar: bool = False

    def params(self) -> tuple[str, ...]:
        return (f"{selectors.CUSTOM_PREFIX}<key>",)

    def parse(self, raw: str) -> str:
        """One attribute's value: any text (its type is checked where it is compared)."""
        return raw.replace("\x00", "").strip()

    def read(self, params: Mapping[str, Any]) -> tuple[Any, dict[str, str], dict[str, str]]:
        custom = selectors.custom_filters(params)
        raw = {f"{selectors.CUSTOM_PREFIX}{key}": value for key, value in custom.items()}
        return (custom or None), raw, {}

    def schema_fields(self) -> dict[str, Any]:
        return {}  # free-form keys: described on the endpoint instead


def _tags() -> list[str]:
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:500])


def _filter_contacts(contacts: QuerySet[Contact], values: dict[str, Any], _user: Any) -> Any:
    return selectors.filter_contacts(
        contacts,
        selectors.ContactFilters(
            q=values.get("q", ""),
            owner=values.get("owner"),
            tag=values.get("tag", ""),
            lifecycle_stage=values.get("lifecycle_stage", ""),
            city=values.get("city", ""),
            country=values.get("country", ""),
            external_id=values.get("external_id", ""),
            consent=values.get("consent", ""),
            company=values.get("company"),
            custom=values.get("custom") or {},
        ),
    )


CONTACT_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Search names, e-mails, phones"),
        description="Prefix search in names, e-mails and phones.",
        autofocus=True,
    ),
    IdFilter(name="owner", label=_("Owner"), any_label=_("Any owner"), choices=owner_options),
    TextFilter(
        name="tag", label=_("Tag"), any_label=_("Any tag"), suggestions=_tags, max_length=60
    ),
    ChoiceFilter(
        name="lifecycle_stage",
        aliases=("stage",),
        label=_("Lifecycle stage"),
        any_label=_("Any stage"),
        choices=lambda: LifecycleStage.choices,
    ),
    TextFilter(name="city", label=_("City"), placeholder=_("City"), max_length=100),
    ChoiceFilter(
        name="consent",
        label=_("Consent"),
        any_label=_("Any consent"),
        choices=_consent_choices,
        groups=_consent_groups,
        description="channel:purpose:granted|withdrawn|none",
    ),
    TextFilter(
        name="country",
        label=_("Country"),
        max_length=2,
        truncate=False,
        in_bar=False,
        description="ISO 3166 code, any case.",
    ),
    TextFilter(
        name="external_id",
        label=_("External id"),
        max_length=100,
        truncate=False,
        in_bar=False,
    ),
    IdFilter(name="company", label=_("Company"), in_bar=False),
    IdFilter(
        name="team",
        label=_("Team"),
        apply=lambda contacts, team, _user: contacts.filter(owner__team_id=team),
        in_bar=False,
        description="Only customers whose owner is in this team.",
    ),
    CustomFieldsFilter(name="custom", label=_("Custom attribute")),
    combine=_filter_contacts,
)


def _company_search(companies: QuerySet[Company], q: str, _user: Any) -> QuerySet[Company]:
    return companies.filter(name__icontains=q)


COMPANY_FILTERS = FilterSet(
    SearchFilter(
        name="q",
        label=_("Search"),
        placeholder=_("Search by name"),
        apply=_company_search,
        description="In the name, any case.",
    ),
    IdFilter(
        name="owner",
        label=_("Owner"),
        apply=lambda companies, owner, _user: companies.filter(owner_id=owner),
        in_bar=False,
    ),
    TextFilter(
        name="city",
        label=_("City"),
        max_length=100,
        apply=lambda companies, city, _user: companies.filter(city=city),
        in_bar=False,
    ),
    TextFilter(
        name="country",
        label=_("Country"),
        max_length=2,
        truncate=False,
        apply=lambda companies, country, _user: companies.filter(country=country.upper()),
        in_bar=False,
    ),
    TextFilter(
        name="external_id",
        label=_("External id"),
        max_length=100,
        truncate=False,
        apply=lambda companies, external_id, _user: companies.filter(external_id=external_id),
        in_bar=False,
    ),
)
