from django.urls import path

from rapport.campaigns.views import detail, messengers, pages, public

app_name = "campaigns"

urlpatterns = [
    # the marketer's pages
    path("campaigns/", pages.campaign_list, name="campaign_list"),
    path("campaigns/new/", pages.campaign_create, name="campaign_create"),
    path("campaigns/content-preview/", pages.content_preview, name="content_preview"),
    path("campaigns/<int:pk>/", detail.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", pages.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/audience/", detail.audience, name="audience"),
    path("campaigns/<int:pk>/report/", detail.report_panel, name="report"),
    path("campaigns/<int:pk>/launch/", detail.launch, name="launch"),
    path("campaigns/<int:pk>/test/", detail.test_send, name="test_send"),
    path("campaigns/<int:pk>/<str:action>/", detail.move, name="move"),
    path("campaigns/messages/<int:pk>/review/", detail.review, name="review"),
    # the contact page's Viber link for a customer to link their account
    path("contacts/<int:pk>/viber-link/", messengers.viber_link, name="viber_link"),
    # the public unsubscribe page and its RFC 8058 one-click POST (no login)
    path("u/<str:token>/", public.unsubscribe_page, name="unsubscribe"),
    # open pixels and click redirects of tracked e-mail (signed, no login)
    path("t/o/<str:token>.gif", public.track_open, name="track_open"),
    path("t/c/<str:token>/", public.track_click, name="track_click"),
    # bounce notifications (RFC 3464) posted by a mail gateway (signed, no login)
    path("hooks/dsn/<str:secret>/", public.dsn_hook, name="dsn_hook"),
    # delivery receipts and replies from the SMS and messenger providers (signed, no login)
    path("hooks/<str:provider>/<str:secret>/", public.hook, name="hook"),
]
