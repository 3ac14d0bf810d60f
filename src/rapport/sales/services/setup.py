"""Setting sales up: pipelines and their stages (administrators), lead sources, their
marketing spend, call-tracking numbers and public web forms (administrators and marketers)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from rapport.core import permissions
from rapport.core.errors import Conflict
from rapport.core.money import Money
from rapport.core.text import clean_text
from rapport.sales.models import (
    LeadSource,
    Pipeline,
    SourceSpend,
    Stage,
    TrackingNumber,
    WebForm,
)

MAX_STAGES = 30


def _require_admin(actor: Any) -> None:
    if not permissions.allows(actor, "pipelines", "change"):
        raise PermissionError(_("Only administrators change pipelines."))


def _require_marketing(actor: Any) -> None:
    if not permissions.allows(actor, "marketing", "change"):
        raise PermissionError(_("Only administrators and marketers change lead sources."))


# --- pipelines --------------------------------------------------------------------------------


def _clean_name(data: dict[str, Any], errors: dict[str, list[str]], *, limit: int = 100) -> str:
    try:
        name = clean_text(data.get("name"), max_length=limit)
    except ValidationError as exc:
        errors["name"] = list(exc.messages)
        return ""
    if not name:
        errors["name"] = [_("Give it a name.")]
    return name


def _clean_stages(raw: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors["stages"] = [_("Give the pipeline at least one stage.")]
        return []
    if len(raw) > MAX_STAGES:
        errors["stages"] = [_("Use at most %(n)d stages.") % {"n": MAX_STAGES}]
        return []
    stages: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, row in enumerate(raw):
        prefix = f"stages[{i}]"
        row_errors: dict[str, list[str]] = {}
        name = _clean_name(row, row_errors)
        if name and name.casefold() in names:
            row_errors["name"] = [_("Two stages cannot share a name.")]
        names.add(name.casefold())
        probability = row.get("probability")
        if not isinstance(probability, int) or not 0 <= probability <= 100:
            row_errors["probability"] = [_("Give a whole percentage from 0 to 100.")]
        kind = row.get("kind", Stage.Kind.OPEN)
        if kind not in Stage.Kind.values:
            row_errors["kind"] = [_("Choose from: %(c)s.") % {"c": ", ".join(Stage.Kind.values)}]
        for field, messages in row_errors.items():
            errors[f"{prefix}.{field}"] = messages
        stages.append({"id": row.get("id"), "name": name, "probability": probability, "kind": kind})
    if not errors and not any(s["kind"] == Stage.Kind.OPEN for s in stages):
        errors["stages"] = [_("A pipeline needs at least one open stage.")]
    return stages


def _save_pipeline(pipeline: Pipeline) -> None:
    if pipeline.is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)
    try:
        with transaction.atomic():
            pipeline.save()
    except IntegrityError as exc:
        raise Conflict(_("Another pipeline has this name."), field="name") from exc


@transaction.atomic
def pipeline_create(*, actor: Any, data: dict[str, Any]) -> Pipeline:
    """A new pipeline with its ordered stages (the first pipeline becomes the default)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = _clean_name(data, errors)
    stages = _clean_stages(data.get("stages"), errors)
    if errors:
        raise ValidationError(errors)
    pipeline = Pipeline(
        name=name,
        position=data.get("position") or 0,
        is_default=bool(data.get("is_default")) or not Pipeline.objects.exists(),
    )
    _save_pipeline(pipeline)
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            name=s["name"],
            position=position,
            probability=s["probability"],
            kind=s["kind"],
        )
        for position, s in enumerate(stages)
    )
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: Any, pipeline: Pipeline, data: dict[str, Any]) -> Pipeline:
    """Rename, reorder or re-default a pipeline; `stages`, when given, is the whole new list:
    rows with an `id` change that stage, rows without one add a stage, and stages left out
    are removed (refused while a deal is or was in them)."""
    _require_admin(actor)
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    errors: dict[str, list[str]] = {}
    if "name" in data:
        pipeline.name = _clean_name(data, errors)
    if data.get("position") is not None:
        pipeline.position = data["position"]
    if data.get("is_default") is not None:
        if not data["is_default"] and pipeline.is_default:
            errors["is_default"] = [_("Make another pipeline the default instead.")]
        pipeline.is_default = bool(data["is_default"])
    stages = None
    if data.get("stages") is not None:
        stages = _clean_stages(data["stages"], errors)
        current = {s.pk: s for s in pipeline.stages.all()}
        for i, row in enumerate(stages):
            if row["id"] is not None and row["id"] not in current:
                errors[f"stages[{i}].id"] = [_("This stage is not in this pipeline.")]
    if errors:
        raise ValidationError(errors)
    _save_pipeline(pipeline)
    if stages is not None:
        _replace_stages(pipeline, stages, current)
    return pipeline


def _replace_stages(pipeline: Pipeline, stages: list[dict[str, Any]], current: dict) -> None:
    kept = {row["id"] for row in stages if row["id"] is not None}
    removed = [stage for pk, stage in current.items() if pk not in kept]
    for stage in removed:
        try:
            with transaction.atomic():
                stage.delete()
        except ProtectedError as exc:
            raise Conflict(
                _("Deals are or were in stage “%(name)s”; keep it.") % {"name": stage.name},
                field="stages",
            ) from exc
    # Park the kept stages on unused names first: a swap of two names must not collide.
    for stage in current.values():
        if stage.pk in kept:
            stage.name = f"~parked~{stage.pk}"
            stage.save(update_fields=["name"])
    for position, row in enumerate(stages):
        stage = current[row["id"]] if row["id"] is not None else Stage(pipeline=pipeline)
        stage.name, stage.probability, stage.kind = row["name"], row["probability"], row["kind"]
        stage.position = position
        stage.save()


@transaction.atomic
def pipeline_delete(*, actor: Any, pipeline: Pipeline) -> None:
    """Delete a pipeline that never had a deal; the default one stays while others exist."""
    _require_admin(actor)
    if pipeline.deals.exists():
        raise Conflict(_("This pipeline has deals; it cannot be deleted."), field="pipeline")
    if pipeline.is_default and Pipeline.objects.exclude(pk=pipeline.pk).exists():
        raise Conflict(_("Make another pipeline the default first."), field="is_default")
    pipeline.delete()


# --- lead sources and spend -------------------------------------------------------------------


def _clean_source(data: dict[str, Any], *, current: LeadSource | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data or current is None:
        cleaned["name"] = _clean_name(data, errors)
    if "kind" in data or current is None:
        if data.get("kind") not in LeadSource.Kind.values:
            errors["kind"] = [_("Choose from: %(c)s.") % {"c": ", ".join(LeadSource.Kind.values)}]
        cleaned["kind"] = data.get("kind")
    if data.get("is_active") is not None:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_source(source: LeadSource) -> None:
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError as exc:
        raise Conflict(_("Another source has this name."), field="name") from exc


@transaction.atomic
def source_create(*, actor: Any, data: dict[str, Any]) -> LeadSource:
    """A new channel customers arrive through."""
    _require_marketing(actor)
    source = LeadSource(**_clean_source(data, current=None))
    _save_source(source)
    return source


@transaction.atomic
def source_update(*, actor: Any, source: LeadSource, data: dict[str, Any]) -> LeadSource:
    _require_marketing(actor)
    for field, value in _clean_source(data, current=source).items():
        setattr(source, field, value)
    _save_source(source)
    return source


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


@transaction.atomic
def spend_record(*, actor: Any, source: LeadSource, data: dict[str, Any]) -> SourceSpend:
    """Marketing spend on a source over a period (both dates included)."""
    _require_marketing(actor)
    errors: dict[str, list[str]] = {}
    start = _date(data.get("period_start"), "period_start", errors)
    end = _date(data.get("period_end"), "period_end", errors)
    if start and end and end < start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    money = None
    try:
        money = Money.parse(data.get("amount"), str(data.get("currency") or ""))
        if money.amount < 0:
            errors["amount"] = [_("Spend cannot be negative.")]
    except ValidationError as exc:
        errors["amount"] = list(exc.messages)
    try:
        note = clean_text(data.get("note") or "", max_length=200)
    except ValidationError as exc:
        errors["note"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    assert money is not None
    assert start is not None
    assert end is not None
    spend = SourceSpend(
        source=source,
        period_start=start,
        period_end=end,
        amount=money.amount,
        currency=money.currency,
        note=note,
    )
    try:
        with transaction.atomic():
            spend.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Spend for this source, period and currency is recorded already."),
            field="period_start",
        ) from exc
    return spend


@transaction.atomic
def spend_delete(*, actor: Any, spend: SourceSpend) -> None:
    """Remove a spend entry entered by mistake."""
    _require_marketing(actor)
    spend.delete()


def _source_in_use() -> Conflict:
    return Conflict(
        _(
            "This source has leads, spend, tracking numbers or web forms; deactivate it "
            "instead (set it inactive)."
        ),
        field="source",
    )


@transaction.atomic
def source_delete(*, actor: Any, source: LeadSource) -> None:
    """Delete a source nothing refers to. One with leads, spend, tracking numbers or web forms
    is refused (Conflict): deactivate it instead, so what came through it keeps its
    attribution and its cost."""
    _require_marketing(actor)
    locked = LeadSource.objects.select_for_update().get(pk=source.pk)
    if (
        locked.leads.exists()
        or locked.spend.exists()
        or locked.numbers.exists()
        or locked.forms.exists()
    ):
        raise _source_in_use()
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as exc:  # something came to refer to it meanwhile
        raise _source_in_use() from exc


# --- tracking numbers -------------------------------------------------------------------------


def _source_of(value: Any, errors: dict[str, list[str]]) -> LeadSource | None:
    if isinstance(value, LeadSource):
        return value
    try:
        source = LeadSource.objects.filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        source = None
    if source is None:
        errors["source"] = [_("Choose a lead source.")]
    return source


def _clean_text_field(
    data: dict[str, Any], field: str, limit: int, errors: dict[str, list[str]]
) -> str:
    try:
        return clean_text(data.get(field) or "", max_length=limit)
    except ValidationError as exc:
        errors[field] = list(exc.messages)
        return ""


def _clean_number(data: dict[str, Any], *, current: TrackingNumber | None) -> dict[str, Any]:
    from rapport.contacts.normalize import normalize_phone

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "number" in data or current is None:
        try:
            cleaned["number"] = normalize_phone(str(data.get("number") or ""))
        except ValidationError as exc:
            errors["number"] = list(exc.messages)
    if "source" in data or current is None:
        cleaned["source"] = _source_of(data.get("source"), errors)
    if "description" in data:
        cleaned["description"] = _clean_text_field(data, "description", 200, errors)
    if data.get("is_active") is not None:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_number(number: TrackingNumber) -> None:
    try:
        with transaction.atomic():
            number.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(number)s is mapped to a source already.") % {"number": number.number},
            field="number",
            existing=TrackingNumber.objects.filter(number=number.number).first(),
        ) from exc


@transaction.atomic
def tracking_number_create(*, actor: Any, data: dict[str, Any]) -> TrackingNumber:
    """Map a phone number (normalised to E.164) to the source it is published for."""
    _require_marketing(actor)
    number = TrackingNumber(**_clean_number(data, current=None))
    _save_number(number)
    return number


@transaction.atomic
def tracking_number_update(
    *, actor: Any, number: TrackingNumber, data: dict[str, Any]
) -> TrackingNumber:
    """Change a tracking number's source, description or number, or switch it off and on."""
    _require_marketing(actor)
    for field, value in _clean_number(data, current=number).items():
        setattr(number, field, value)
    _save_number(number)
    return number


# --- web forms --------------------------------------------------------------------------------


def _clean_web_form(data: dict[str, Any], *, current: WebForm | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data or current is None:
        cleaned["name"] = _clean_name(data, errors)
    if "slug" in data or current is None:
        slug = str(data.get("slug") or "").strip()
        if not slug:
            errors["slug"] = [_("Give the form an address (slug).")]
        elif len(slug) > 60:
            errors["slug"] = [_("Use at most %(max)d characters.") % {"max": 60}]
        else:
            try:
                validate_slug(slug)
            except ValidationError:
                errors["slug"] = [_("Use only letters, digits, dashes and underscores.")]
        cleaned["slug"] = slug
    if "source" in data or current is None:
        cleaned["source"] = _source_of(data.get("source"), errors)
    if "success_message" in data:
        cleaned["success_message"] = _clean_text_field(data, "success_message", 300, errors)
    if "redirect_url" in data:
        url = str(data.get("redirect_url") or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                errors["redirect_url"] = [_("Enter a full web address starting with https://.")]
            if len(url) > 200:
                errors["redirect_url"] = [_("Use at most %(max)d characters.") % {"max": 200}]
        cleaned["redirect_url"] = url
    if data.get("is_active") is not None:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_web_form(form: WebForm) -> None:
    taken = WebForm.objects.filter(slug=form.slug).exclude(pk=form.pk).first()
    if taken is not None:
        raise Conflict(
            _("The form “%(name)s” already uses the address %(slug)s; choose another.")
            % {"name": taken.name, "slug": form.slug},
            field="slug",
            existing=taken,
        )
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError as exc:  # a form saved at the same moment took it
        raise Conflict(
            _("Another form already uses the address %(slug)s; choose another.")
            % {"slug": form.slug},
            field="slug",
        ) from exc


@transaction.atomic
def web_form_create(*, actor: Any, data: dict[str, Any]) -> WebForm:
    """A public lead form posting to /forms/<slug>/, its leads attributed to `source`."""
    _require_marketing(actor)
    form = WebForm(**_clean_web_form(data, current=None))
    _save_web_form(form)
    return form


@transaction.atomic
def web_form_update(*, actor: Any, form: WebForm, data: dict[str, Any]) -> WebForm:
    _require_marketing(actor)
    for field, value in _clean_web_form(data, current=form).items():
        setattr(form, field, value)
    _save_web_form(form)
    return form
