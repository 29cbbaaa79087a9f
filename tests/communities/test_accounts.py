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


def test_changing_the_password_ends_every_other_session_of_the_account(client, db):
    from django.test import Client

    UserFactory(username="resident")
    phone, computer = client, Client()
    for device in (phone, computer):
        device.post(
            reverse("account_login"), {"login": "resident", "password": "a-long-test-passphrase"}
        )
        assert device.get(reverse("communities:profile")).status_code == 200

    changed = computer.post(
        reverse("account_change_password"),
        {
            "oldpassword": "a-long-test-passphrase",
            "password1": "another-long-passphrase-2026",
            "password2": "another-long-passphrase-2026",
        },
    )

    assert changed.status_code == 302
    assert computer.get(reverse("communities:profile")).status_code == 200, "this one stays in"
    after = phone.get(reverse("communities:profile"))
    assert after.status_code == 302 and reverse("account_login") in after["Location"]
    assert "_auth_user_id" not in phone.session


def test_a_password_reset_by_mail_ends_the_sessions_a_thief_may_hold(client, db):
    import re

    from django.test import Client

    UserFactory(username="resident", email="resident@example.org")
    thief = Client()
    thief.post(
        reverse("account_login"), {"login": "resident", "password": "a-long-test-passphrase"}
    )
    client.post(reverse("account_reset_password"), {"email": "resident@example.org"})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)[1]
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": "another-long-passphrase-2026", "password2": "another-long-passphrase-2026"},
    )

    after = thief.get(reverse("communities:profile"))
    assert after.status_code == 302
    assert "_auth_user_id" not in thief.session
