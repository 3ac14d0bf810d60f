"""The periodic jobs page (administrators): each job's schedule, last and next run, last error,
and a button that queues a run now. The state comes from core/schedule.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import permissions, schedule
from rapport.core.http import Request


@login_required
def job_list(request: Request) -> HttpResponse:
    if not permissions.allows(request.user, "jobs", "view"):
        raise PermissionDenied
    return render(
        request,
        "core/jobs.html",
        {
            "states": schedule.states(),
            "may_run": permissions.allows(request.user, "jobs", "change"),
        },
    )


@login_required
@require_POST
def job_run(request: Request, name: str) -> HttpResponse:
    if not permissions.allows(request.user, "jobs", "change"):
        raise PermissionDenied
    try:
        schedule.request_run(name=name)
    except LookupError as exc:
        raise Http404 from exc
    except ValueError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s will run as soon as a worker looks for due jobs (within seconds).")
            % {"name": name},
        )
    return redirect("core:job_list")
