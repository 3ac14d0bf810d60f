"""Background work of the service app: take ids, re-read state, safe to run twice."""

from django.tasks import task

from rapport.service.services.surveys import survey_send_for_complaint


@task()
def send_complaint_survey(complaint_id: int) -> str:
    """Send the satisfaction survey of a resolved complaint (or say why none was sent)."""
    sent = survey_send_for_complaint(complaint_id=complaint_id)
    return sent.skipped or "sent"
