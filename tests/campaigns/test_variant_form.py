"""The campaign form's A/B variants: splitting into variants and back, their shares checked
where they are typed, and tracking switched off."""

import re

import pytest

from rapport.campaigns.models import Campaign
from tests.campaigns.conftest import campaign_form

pytestmark = pytest.mark.django_db


# --- A/B variants in the form ----------------------------------------------------------------


def _variants(data: dict, *shares: int) -> dict:
    data = {**data, "variant_count": str(len(shares))}
    for i, share in enumerate(shares):
        letter = "AB"[i]
        data |= {
            f"v{i}_name": letter,
            f"v{i}_share": str(share),
            f"v{i}_subject_en": f"{letter}: hello {{{{ first_name }}}}",
            f"v{i}_text_en": f"Version {letter}",
        }
    return data


def test_splitting_into_variants_redraws_the_form_with_the_content_twice(as_user, audience):
    response = as_user("marketer").post(
        "/campaigns/new/", {**campaign_form(audience["segment"]), "action": "split"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.variants == 2
    assert [b["prefix"] for b in response.context["blocks"]] == ["v0_", "v1_"]
    assert (form.initial["v0_name"], form.initial["v1_share"]) == ("A", 50)
    assert form.initial["v1_text_uk"] == "Весна прийшла, {{ first_name }}."
    assert b'id="tab-v1_uk"' in response.content
    assert Campaign.objects.count() == 0


def test_removing_a_variant_of_two_goes_back_to_one_content(as_user, audience):
    data = _variants(campaign_form(audience["segment"]), 50, 50)

    response = as_user("marketer").post("/campaigns/new/", {**data, "action": "remove_variant:0"})

    form = response.context["form"]
    assert form.variants == 0
    assert form.initial["text_en"] == "Version B"


def test_a_campaign_with_variants_is_saved_and_edited(as_user, audience):
    client = as_user("marketer")
    response = client.post("/campaigns/new/", _variants(campaign_form(audience["segment"]), 30, 70))

    made = Campaign.objects.get()
    assert response.status_code == 302
    assert [(v.name, v.share) for v in made.variants.order_by("position")] == [
        ("A", 30),
        ("B", 70),
    ]
    assert sorted((t.variant.name, t.body_text) for t in made.templates.all()) == [
        ("A", "Version A"),
        ("B", "Version B"),
    ]
    edit = client.get(f"/campaigns/{made.pk}/edit/")
    assert edit.context["form"].initial["v1_text_en"] == "Version B"
    page = client.get(f"/campaigns/{made.pk}/")
    assert "70% of those who get it" in page.content.decode()


def test_variant_shares_that_do_not_add_up_are_shown_on_the_last_share(as_user, audience):
    response = as_user("marketer").post(
        "/campaigns/new/", _variants(campaign_form(audience["segment"]), 30, 60)
    )

    assert response.status_code == 422
    assert response.context["form"].errors["v1_share"] == [
        "The shares add up to 90; make them 100."
    ]
    assert b'id="campaign-v1_share_error"' in response.content


def test_the_form_switches_tracking_off_and_the_page_says_so(as_user, audience):
    client = as_user("marketer")

    client.post("/campaigns/new/", campaign_form(audience["segment"], track="on"))
    client.post("/campaigns/new/", campaign_form(audience["segment"], name="Quiet one"))  # unticked

    tracked, untracked = Campaign.objects.order_by("pk")
    assert (tracked.track, untracked.track) == (True, False)
    assert (
        "Tracked in the HTML part of its e-mails"
        in client.get(f"/campaigns/{tracked.pk}/").content.decode()
    )
    assert "Not tracked" in client.get(f"/campaigns/{untracked.pk}/").content.decode()
    form = client.get("/campaigns/new/").content.decode()
    checkbox = re.search(r'<input type="checkbox" name="track"[^>]*>', form)
    assert checkbox is not None
    assert checkbox[0].endswith(" checked>")
