from django.contrib.auth import views as auth_views
from django.urls import path

from rapport.accounts import notification_views, views
from rapport.accounts.signin import SignInForm

app_name = "accounts"
# Each view names its template: under registration/ the admin's own (installed before this
# app) won, and "Change password" opened the Django admin's page instead of Rapport's.
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, template_name="accounts/login.html"
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url="/password/done/", template_name="accounts/password_change_form.html"
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/calendar-feed/", views.calendar_feed_save, name="calendar_feed_save"),
    path("profile/date-format/", views.date_style_save, name="date_style_save"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("notifications/", notification_views.notification_list, name="notification_list"),
    path("notifications/bell/", notification_views.bell, name="bell"),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notification_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification_open",
    ),
]
