"""Settings read from the environment, as INTERFACES.md lists them."""

import json

from tests.core.subprocess_env import rapport_env, run_python, run_rapport

DUMP = (
    "from django.conf import settings; import json; db = settings.DATABASES['default'];"
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST'),"
    " 'port': db.get('PORT'), 'user': db.get('USER'), 'debug': settings.DEBUG,"
    " 'hosts': settings.ALLOWED_HOSTS, 'ssl_redirect': getattr(settings, 'SECURE_SSL_REDIRECT',"
    " False), 'mailer': settings.MAILERS['default'],"
    " 'tasks': settings.TASKS['default']['BACKEND']}))"
)


def settings_for(tmp_path, **env):
    return json.loads(run_python(DUMP, env=rapport_env(tmp_path, **env)))


def test_database_url_selects_postgresql(tmp_path):
    # given / when
    found = settings_for(tmp_path, DATABASE_URL="postgres://crm:secret@db.internal:6432/rapport")

    # then
    assert found["engine"] == "django.db.backends.postgresql"
    assert (found["name"], found["host"], found["port"], found["user"]) == (
        "rapport",
        "db.internal",
        6432,
        "crm",
    )


def test_default_database_is_sqlite_file_under_var(tmp_path):
    found = settings_for(tmp_path)

    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "var" / "rapport.sqlite3")
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    # given a file database
    env = rapport_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}")

    # when a connection is opened
    out = run_python(
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); mode = c.fetchone()[0]\n"
        "    c.execute('PRAGMA busy_timeout'); timeout = c.fetchone()[0]\n"
        "    c.execute('PRAGMA synchronous'); sync = c.fetchone()[0]\n"
        "print(mode, timeout, sync)",
        env=env,
    )

    # then: WAL, 20 s busy timeout, synchronous=NORMAL (1)
    assert out == "wal 20000 1"


def test_allowed_hosts_debug_and_https_flags(tmp_path):
    found = settings_for(
        tmp_path, RAPPORT_ALLOWED_HOSTS=" crm.example.com, www.example.com ,", RAPPORT_DEBUG="yes"
    )
    assert found["hosts"] == ["crm.example.com", "www.example.com"]
    assert found["debug"] is True
    assert found["ssl_redirect"] is False

    production = settings_for(tmp_path, RAPPORT_DEBUG=None)
    assert production["debug"] is False
    assert production["ssl_redirect"] is True

    plain_http = settings_for(tmp_path, RAPPORT_HTTPS="0")
    assert plain_http["ssl_redirect"] is False


def test_email_url_configures_smtp(tmp_path):
    found = settings_for(
        tmp_path, RAPPORT_EMAIL_URL="smtp+tls://mailer:p%40ss@smtp.example.com:587"
    )

    mailer = found["mailer"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    options = mailer["OPTIONS"]
    assert (options["host"], options["port"], options["use_tls"], options["username"]) == (
        "smtp.example.com",
        587,
        True,
        "mailer",
    )
    assert options["password"] == "p@ss"


def test_without_email_url_mail_goes_to_the_console(tmp_path):
    found = settings_for(tmp_path)

    assert found["mailer"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend"


WEBHOOKS = (
    "from django.conf import settings; print(settings.RAPPORT_WEBHOOK_PORTS,"
    " settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE, repr(settings.RAPPORT_WEBHOOK_CA_FILE))"
)


def test_outbound_webhook_settings(tmp_path):
    default = run_python(WEBHOOKS, env=rapport_env(tmp_path))
    configured = run_python(
        WEBHOOKS,
        env=rapport_env(
            tmp_path,
            RAPPORT_WEBHOOK_PORTS="443, 8443",
            RAPPORT_WEBHOOK_ALLOW_PRIVATE="1",
            RAPPORT_WEBHOOK_CA_FILE="/etc/rapport/ca.pem",
        ),
    )

    assert default == "[443] False ''"
    assert configured == "[443, 8443] True '/etc/rapport/ca.pem'"


def test_a_webhook_port_that_is_not_a_number_stops_the_start(tmp_path):
    result = run_rapport("check", env=rapport_env(tmp_path, RAPPORT_WEBHOOK_PORTS="443,https"))

    assert result.returncode == 1
    assert "RAPPORT_WEBHOOK_PORTS: 'https' is not a port number" in result.stderr


def test_a_number_setting_that_is_not_one_stops_the_start_naming_it(tmp_path):
    result = run_rapport("check", env=rapport_env(tmp_path, RAPPORT_JOB_GRACE="eight"))
    assert result.returncode == 1
    assert "RAPPORT_JOB_GRACE: 'eight' is not a number" in result.stderr

    result = run_rapport("check", env=rapport_env(tmp_path, RAPPORT_OUTBOX_LEASE="0"))
    assert result.returncode == 1
    assert "RAPPORT_OUTBOX_LEASE: '0' is below 1" in result.stderr

    grace = run_python(
        "from django.conf import settings; print(settings.RAPPORT_JOB_GRACE)",
        env=rapport_env(tmp_path, RAPPORT_JOB_GRACE="2.5"),
    )
    assert grace == "2.5"
