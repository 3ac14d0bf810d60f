"""Production settings pass Django's deployment checklist."""

import secrets

from tests.core.subprocess_env import rapport_env, run_rapport


def test_production_settings_pass_check_deploy_at_warning_level(tmp_path):
    # given production settings: a long random key, no debug, a real host name, an SMTP server
    env = rapport_env(
        tmp_path,
        RAPPORT_SECRET_KEY=secrets.token_urlsafe(64),
        RAPPORT_ALLOWED_HOSTS="crm.example.com",
        RAPPORT_EMAIL_URL="smtp+tls://rapport:secret@smtp.example.com:587",
        RAPPORT_DEBUG=None,
    )

    # when the deployment checks run, failing on warnings too
    result = run_rapport("check", "--deploy", "--fail-level", "WARNING", env=env)

    # then nothing is reported
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_settings_fail_check_deploy(tmp_path):
    # given development settings (so the test above could fail)
    env = rapport_env(tmp_path, RAPPORT_DEBUG="1", RAPPORT_ALLOWED_HOSTS="crm.example.com")

    # when
    result = run_rapport("check", "--deploy", "--fail-level", "WARNING", env=env)

    # then DEBUG in deployment is flagged
    assert result.returncode == 1
    assert "security.W018" in result.stderr


def test_production_without_an_smtp_server_is_reported(tmp_path):
    # given production settings that forgot RAPPORT_EMAIL_URL (mail would only be logged)
    env = rapport_env(
        tmp_path,
        RAPPORT_SECRET_KEY=secrets.token_urlsafe(64),
        RAPPORT_ALLOWED_HOSTS="crm.example.com",
        RAPPORT_DEBUG=None,
    )

    result = run_rapport("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "mail.E001" in result.stderr
