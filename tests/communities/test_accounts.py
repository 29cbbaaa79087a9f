"""Accounts through allauth: password reset by mail, a login rate limit in the shared cache."""

from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory


def test_password_reset_sends_a_mail(client, db):
    UserFactory(username="resident", email="resident@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "resident@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "resident@example.org" in mail.outbox[0].to


def test_repeated_failed_logins_are_slowed_down(client, db):
    cache.clear()
    UserFactory(username="resident", phone="+8613900000009")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "resident", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "resident", "password": "a-long-test-passphrase"}
    )
    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in client.session
    cache.clear()


def test_logging_out_is_a_post(client, db):
    client.force_login(UserFactory())
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
