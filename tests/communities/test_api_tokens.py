"""API tokens: made by staff in their profile, shown once, kept as a hash, revoked at once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities import services
from communities.models import ApiToken, hash_secret

ME = "/api/v1/tokens/"


def test_a_token_keeps_only_the_hash_of_its_secret(people):
    token, secret = services.create_api_token(owner=people.community_staff, name="12345 热线")
    assert token.key_hash == hash_secret(secret)
    assert token.prefix == secret[:12]
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_residents_and_strangers_make_no_tokens(people):
    for person in (people.resident, people.stranger):
        with pytest.raises(PermissionDenied):
            services.create_api_token(owner=person, name="my app")
    assert not ApiToken.objects.exists()


def test_a_name_is_used_once_among_active_tokens_so_a_double_submit_makes_one(people):
    services.create_api_token(owner=people.community_staff, name="热线")
    with pytest.raises(ValidationError) as refused:
        services.create_api_token(owner=people.community_staff, name="热线")
    assert "name" in refused.value.message_dict
    assert ApiToken.objects.count() == 1


def test_the_secret_authenticates_as_its_owner_until_revoked(client, people, token_for):
    secret = token_for(people.community_staff)
    header = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    before = client.get(ME, **header)
    assert before.status_code == 200
    assert [row["name"] for row in before.json()["results"]] == ["12345 热线"]
    assert ApiToken.objects.get().last_used_at is not None

    token = ApiToken.objects.get()
    services.revoke_api_token(token=token, by=people.community_staff)
    after = client.get(ME, **header)
    assert after.status_code == 401
    assert after.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Token", "Token ngp_wrong", "Token ngp_a b", "Token \u00e9\u00e9", "Token " + "x" * 500],
)
def test_a_wrong_token_is_refused_not_taken_for_anonymous(client, db, header):
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_only_the_owner_revokes_a_token(people, token_for):
    token_for(people.community_staff)
    token = ApiToken.objects.get()
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(token=token, by=people.street_staff)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_integration_revokes_its_own_leaked_token_through_the_api(client, people, token_for):
    secret = token_for(people.community_staff)
    token = ApiToken.objects.get()
    response = client.post(
        f"{ME}{token.pk}/revoke/",
        HTTP_AUTHORIZATION=f"Token {secret}",
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_nobody_sees_another_persons_tokens(client, people, token_for):
    token_for(people.community_staff)
    secret = token_for(people.street_staff, name="看板")
    response = client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}")
    assert [row["name"] for row in response.json()["results"]] == ["看板"]
    other = ApiToken.objects.get(owner=people.community_staff)
    assert client.get(f"{ME}{other.pk}/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 404


# --- The profile page ------------------------------------------------------------------------------


def test_staff_make_a_token_in_their_profile_and_see_its_secret_once(client, people):
    client.force_login(people.community_staff)
    url = reverse("communities:api_tokens")
    made = client.post(url, {"name": "12345 热线"})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret.startswith("ngp_") and secret in made.content.decode()
    assert "no-store" in made.headers["Cache-Control"]

    again = client.get(url)
    assert secret not in again.content.decode()
    assert ApiToken.objects.get().prefix in again.content.decode()


def test_a_token_without_a_name_is_refused_with_the_form_again(client, people):
    client.force_login(people.community_staff)
    response = client.post(reverse("communities:api_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_resident_has_no_token_page(client, people):
    client.force_login(people.resident)
    assert client.get(reverse("communities:api_tokens")).status_code == 403


def test_revoking_from_the_profile_stops_the_token(client, people, token_for):
    secret = token_for(people.community_staff)
    token = ApiToken.objects.get()
    client.force_login(people.community_staff)
    response = client.post(reverse("communities:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(ME, HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_nobody_revokes_another_persons_token_from_the_page(client, people, token_for):
    token_for(people.community_staff)
    token = ApiToken.objects.get()
    client.force_login(people.street_staff)
    response = client.post(reverse("communities:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- The person's own data -------------------------------------------------------------------------


def test_the_download_lists_a_persons_tokens_without_their_secrets(client, people, token_for):
    import json

    secret = token_for(people.community_staff)
    client.force_login(people.community_staff)
    data = json.loads(client.get(reverse("my_data_download")).content)
    assert [token["name"] for token in data["api_tokens"]] == ["12345 热线"]
    assert secret not in json.dumps(data)


def test_erasing_a_person_revokes_their_tokens(people, token_for):
    secret = token_for(people.community_staff)
    services.erase_person(user=people.community_staff)
    assert ApiToken.objects.get().revoked_at is not None
    assert services.use_api_token(secret=secret) is None


def test_an_administrator_revokes_a_leaked_token_in_the_admin(
    client, admin_user, people, token_for
):
    token_for(people.community_staff)
    token = ApiToken.objects.get()
    client.force_login(admin_user)
    changelist = reverse("admin:communities_apitoken_changelist")
    listed = client.get(changelist)
    assert token.prefix in listed.content.decode() and token.key_hash not in listed.content.decode()
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
