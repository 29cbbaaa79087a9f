"""Open311 is not in the OpenAPI schema (it has its own specification), so hypothesis fuzzes
it here: any query or form a client may send gets a 2xx or the specification's error
document with a 4xx, never a 500."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GET_PARAMS = ["service_request_id", "service_code", "start_date", "end_date", "status", "api_key"]
POST_FIELDS = [
    "api_key",
    "service_code",
    "description",
    "address_id",
    "address_string",
    "lat",
    "long",
    "email",
    "first_name",
    "phone",
    "media_url",
]
RESOURCES = ["discovery", "services", "services/lamp", "requests", "requests/1", "tokens/x"]

values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "1,2,3", "open", "closed", "2026-11-05T08:15:30+08:00"]),
    st.sampled_from(["99999999999999999999999", "2026-02-30", "lamp", "B1", "ngp_x"]),
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _answers_properly(response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        if response.headers["Content-Type"].startswith("application/json"):
            (error, *_rest) = json.loads(response.content)
            assert error["code"] == response.status_code
        else:
            assert b"<errors><error><code>" in response.content


@pytest.mark.django_db
@FUZZ
@given(
    resource=st.sampled_from(RESOURCES),
    fmt=st.sampled_from(["json", "xml"]),
    params=st.dictionaries(st.sampled_from(GET_PARAMS), values, max_size=4),
)
def test_any_query_gets_an_answer_or_the_error_document(categories, resource, fmt, params):
    _answers_properly(Client().get(f"/open311/v2/{resource}.{fmt}", params))


@pytest.fixture
def hotline_key(people, categories, token_for) -> str:
    # Made once for the test function; every example runs inside its one transaction.
    return token_for(people.community_staff)


@pytest.mark.django_db
@FUZZ
@given(
    fmt=st.sampled_from(["json", "xml"]),
    form=st.dictionaries(st.sampled_from(POST_FIELDS), values, max_size=6),
    with_a_real_key=st.booleans(),
)
def test_any_form_posted_gets_an_answer_or_the_error_document(
    hotline_key, fmt, form, with_a_real_key
):
    if with_a_real_key:
        form = {**form, "api_key": hotline_key}
    _answers_properly(Client().post(f"/open311/v2/requests.{fmt}", form))
