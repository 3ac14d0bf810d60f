"""The public survey page /s/<token>/ (no login): the questions of the survey's kind and a
comment, in the customer's language. A forged link is a 400, an expired or answered one a
410, each with a page that says so; never a server error."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from rapport.service.services.surveys import SurveyLinkError, survey_answer, survey_from_token
from rapport.service.survey_forms import FORMS, TITLES

TEMPLATE = "service/survey.html"


@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = survey_from_token(token)
    except SurveyLinkError as exc:
        return render(request, TEMPLATE, {"problem": exc.message}, status=exc.status)
    language = found.language or settings.LANGUAGE_CODE
    with translation.override(language):
        title = str(TITLES[found.kind])
        form = FORMS[found.kind](request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                survey_answer(token=token, **form.cleaned_data)
            except SurveyLinkError as exc:
                return render(
                    request, TEMPLATE, {"problem": exc.message, "title": title}, status=exc.status
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                return render(request, TEMPLATE, {"thanks": True, "title": title})
        status = 422 if request.method == "POST" else 200
        return render(
            request, TEMPLATE, {"form": form, "survey": found, "title": title}, status=status
        )
