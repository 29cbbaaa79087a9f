"""Commitment pages as people use them: bad input refused whole, who may do what, the lists and
the quarterly register, and their query budgets."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Notice
from deliberation import selectors, services
from deliberation.models import Commitment, CommitmentUpdate, Issue
from tests.deliberation.conftest import in_days

S = Issue.Status


def _new_url(organization) -> str:
    return reverse("deliberation:organization_commitment_new", args=[organization.pk])


def _form(place, **overrides) -> dict:
    data = {
        "area": place.code,
        "title": "一个月内修好小区两处路灯",
        "due_on": in_days(30).isoformat(),
        "description": "物业负责更换，居委会督促。",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


# --- Making one ----------------------------------------------------------------------------------


def test_community_staff_commit_to_two_residents_issues_from_the_form(
    client, people, committee, report, tree
):
    first, second = report(), report(title="楼道灯不亮", area=tree.B2)
    client.force_login(people.community_staff)
    page = client.get(_new_url(committee), {"find-area": tree.K1.code})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{first.pk}"' in html and f'value="{second.pk}"' in html

    response = client.post(
        _new_url(committee) + f"?find-area={tree.K1.code}",
        {**_form(tree.K1), "issues": [first.pk, second.pk]},
    )
    commitment = Commitment.objects.get()
    assert response.status_code == 302 and response["Location"] == commitment.get_absolute_url()
    assert set(commitment.issues.all()) == {first, second}
    for issue in (first, second):
        issue.refresh_from_db()
        assert issue.status == S.ASSIGNED and issue.events.filter(kind="committed").exists()
    assert Notice.objects.filter(kind=Notice.Kind.COMMITMENT).count() == 1


def test_one_organisation_goes_straight_to_its_form(client, people, firm):
    client.force_login(people.firm_staff)
    response = client.get(reverse("deliberation:commitment_new"))
    assert response.status_code == 302 and response["Location"] == _new_url(firm)


def test_the_issue_search_narrows_the_list_and_htmx_gets_only_the_list(
    client, people, committee, accepted, tree
):
    lamp, lift = accepted(), accepted(title="电梯异响")
    client.force_login(people.community_staff)
    response = client.get(
        _new_url(committee), {"find-area": tree.K1.code, "find-q": "电梯"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert f'value="{lift.pk}"' in html and f'value="{lamp.pk}"' not in html
    assert "<html" not in html and 'id="candidates"' in html


def test_an_issue_already_ticked_stays_listed_while_searching(
    client, people, committee, accepted, tree
):
    lamp, lift = accepted(), accepted(title="电梯异响")
    client.force_login(people.community_staff)
    html = client.get(
        _new_url(committee), {"find-q": "电梯", "issues": [lamp.pk]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'value="{lamp.pk}" checked' in html and f'value="{lift.pk}"' in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_on": "2020-01-01"}, "due_on"),
        ({"due_on": "明天"}, "due_on"),
        ({"title": ""}, "title"),
        ({"title": "修" * 121}, "title"),
        ({"area": "K4"}, "area"),
    ],
    ids=[
        "due in the past",
        "not a date",
        "no title",
        "title too long",
        "a place it does not serve",
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
    client, people, firm, tree, overrides, field
):
    client.force_login(people.firm_staff)
    response = client.post(_new_url(firm), _form(tree.K1, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Commitment.objects.exists() and not Notice.objects.exists()


def test_a_commitment_due_in_the_past_says_so_in_words(client, people, firm, tree):
    client.force_login(people.firm_staff)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        _new_url(firm), _form(tree.K1, due_on=yesterday), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "A commitment cannot be due in the past." in response.content.decode()
    response = client.post(_new_url(firm), _form(tree.K1, due_on=yesterday))
    assert "承诺期限不能早于今天。" in response.content.decode()


def test_an_issue_outside_the_place_or_not_open_is_refused_whole(
    client, people, firm, accepted, report, tree
):
    closed = services.reject_issue(issue=report(), by=people.owners_member, reason="不属实")
    client.force_login(people.firm_staff)
    for issue in (closed, report(area=tree.B3)):
        response = client.post(
            _new_url(firm), {**_form(tree.K1), "issues": [accepted().pk, issue.pk]}
        )
        assert response.status_code == 400
        assert response.context["picked"].errors["issues"]
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("role", ["owners_member", "community_staff", "resident", "stranger"])
def test_only_members_open_an_organisations_commitment_form(client, people, firm, tree, role):
    client.force_login(getattr(people, role))
    assert client.get(_new_url(firm)).status_code == 403
    assert client.post(_new_url(firm), _form(tree.K1)).status_code == 403
    assert not Commitment.objects.exists()


def test_visitors_are_asked_to_log_in(client, firm):
    assert client.get(_new_url(firm)).status_code == 302


# --- Keeping it, from its page ---------------------------------------------------------------------


def _act(commitment, action):
    return reverse("deliberation:commitment_act", args=[commitment.pk, action])


def test_progress_above_100_is_refused_on_the_page_and_nothing_is_stored(client, commit, people):
    commitment = commit()
    client.force_login(people.firm_staff)
    data = {
        "progress-progress": "101",
        "progress-text": "全部修好",
        "progress-submission_key": uuid.uuid4(),
    }
    response = client.post(_act(commitment, "progress"), data)
    assert response.status_code == 400
    assert response.context["progress_form"].errors["progress"]
    commitment.refresh_from_db()
    assert commitment.progress == 0 and commitment.updates.count() == 1


def test_progress_below_the_last_one_is_refused_with_the_services_words(client, commit, people):
    commitment = commit()
    services.report_progress(commitment=commitment, by=people.firm_staff, progress=50, text="过半")
    client.force_login(people.firm_staff)
    data = {
        "progress-progress": "30",
        "progress-text": "返工",
        "progress-submission_key": uuid.uuid4(),
    }
    response = client.post(_act(commitment, "progress"), data)
    assert response.status_code == 400
    assert "50%" in str(response.context["progress_form"].errors["progress"])


def test_progress_is_posted_and_shown_on_the_public_page(client, commit, people):
    commitment = commit()
    client.force_login(people.firm_staff)
    data = {
        "progress-progress": "60",
        "progress-text": "已更换6盏",
        "progress-submission_key": uuid.uuid4(),
    }
    response = client.post(_act(commitment, "progress"), data)
    assert response.status_code == 302
    client.logout()
    html = client.get(commitment.get_absolute_url()).content.decode()
    assert "已更换6盏" in html and 'value="60"' in html
    assert people.firm_staff.full_name not in html


def test_a_result_without_a_reason_is_refused_and_nothing_is_stored(
    client, commit, people, accepted
):
    issue = accepted()
    commitment = commit(issues=[issue])
    client.force_login(people.firm_staff)
    response = client.post(
        _act(commitment, "result"), {"result-result": "partly", "result-note": ""}
    )
    assert response.status_code == 400
    assert response.context["result_form"].errors["note"]
    commitment.refresh_from_db()
    issue.refresh_from_db()
    assert commitment.status == "active" and issue.status == S.ASSIGNED


def test_fulfilled_from_the_page_resolves_its_issues(client, commit, people, accepted):
    issue = accepted()
    commitment = commit(issues=[issue])
    client.force_login(people.firm_staff)
    response = client.post(
        _act(commitment, "result"), {"result-result": "fulfilled", "result-note": "已全部修好"}
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == S.RESOLVED


@pytest.mark.parametrize("action", ["progress", "result"])
def test_others_may_not_keep_someone_elses_commitment(client, commit, people, action):
    commitment = commit()
    client.force_login(people.owners_member)
    data = {
        "progress-progress": "10",
        "progress-text": "x",
        "progress-submission_key": uuid.uuid4(),
    }
    data |= {"result-result": "fulfilled"}
    assert client.post(_act(commitment, action), data).status_code == 403
    assert commitment.updates.count() == 1


def test_a_supervisor_remarks_and_the_firm_answers_from_the_page(
    client, commit, people, supervisor
):
    commitment = commit()
    client.force_login(supervisor)
    data = {"remark-text": "北门的灯什么时候修？", "remark-submission_key": uuid.uuid4()}
    assert client.post(_act(commitment, "remark"), data).status_code == 302
    assert client.post(_act(commitment, "remark"), data).status_code == 302  # a double tap
    remark = commitment.updates.get(kind="remark")

    client.force_login(people.firm_staff)
    html = client.get(commitment.get_absolute_url()).content.decode()
    assert "1 remark waiting for an answer" in html or "条监督意见" in html
    answer = reverse("deliberation:remark_answer", args=[commitment.pk, remark.pk])
    assert client.post(answer, {"answer-text": ""}).status_code == 400
    assert client.post(answer, {"answer-text": "下周一更换"}).status_code == 302
    assert CommitmentUpdate.objects.get(kind="answer").answer_to == remark


def test_a_resident_may_not_remark_and_a_wrong_remark_id_is_404(client, commit, people, supervisor):
    commitment, other = commit(), commit(title="另一项承诺")
    remark = services.remark_on_commitment(commitment=other, by=supervisor, text="？")
    client.force_login(people.resident)
    data = {"remark-text": "我也想监督", "remark-submission_key": uuid.uuid4()}
    assert client.post(_act(commitment, "remark"), data).status_code == 403
    client.force_login(people.firm_staff)
    wrong = reverse("deliberation:remark_answer", args=[commitment.pk, remark.pk])
    assert client.post(wrong, {"answer-text": "答"}).status_code == 404
    assert client.post(_act(commitment, "delete"), {}).status_code == 404
    assert client.get(reverse("deliberation:commitment_detail", args=[999999])).status_code == 404


# --- Lists -----------------------------------------------------------------------------------------


def test_an_areas_list_counts_and_filters_its_commitments(client, commit, people, tree):
    on_track = commit(title="按期推进的承诺")
    due_today = commit(title="今天到期的承诺", due_on=in_days(0))
    done = commit(title="已经兑现的承诺")
    services.record_commitment_result(commitment=done, by=people.firm_staff, result="fulfilled")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert Commitment.objects.under(tree.C1).tally(tomorrow)["overdue"] == 1

    url = reverse("deliberation:area_commitments", args=[tree.C1.code])
    response = client.get(url)
    assert response.context["tally"]["made"] == 3
    assert [c.title for c in client.get(url, {"stage": "fulfilled"}).context["page"]] == [
        done.title
    ]
    assert [c.title for c in client.get(url, {"stage": "on_track"}).context["page"]] == [
        due_today.title,
        on_track.title,
    ]
    assert not client.get(url, {"stage": "overdue"}).context["page"]
    assert (
        client.get(reverse("deliberation:area_commitments", args=[tree.C3.code])).context["tally"][
            "made"
        ]
        == 0
    )


@pytest.mark.parametrize(
    "query",
    [{"stage": "nonsense"}, {"order": "password"}, {"page": "-1"}, {"kind": "x" * 500}, {"q": "%"}],
)
def test_hostile_list_queries_get_an_answer(client, commit, tree, query):
    commit()
    response = client.get(reverse("deliberation:area_commitments", args=[tree.K1.code]), query)
    assert response.status_code == 200


def test_the_lists_cost_the_same_queries_for_few_and_many_commitments(
    client, commit, people, firm, supervisor, tree, django_assert_max_num_queries
):
    urls = [
        reverse("deliberation:area_commitments", args=[tree.C1.code]),
        reverse("deliberation:organization_commitments", args=[firm.pk]),
        reverse("deliberation:staff_commitments"),
    ]
    client.force_login(people.firm_staff)

    def cost(url) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    commitment = commit()
    services.remark_on_commitment(commitment=commitment, by=supervisor, text="？")
    few = [cost(url) for url in urls]
    for number in range(12):
        made = commit(title=f"承诺{number}")
        services.remark_on_commitment(commitment=made, by=supervisor, text="？")
    assert [cost(url) for url in urls] == few
    with django_assert_max_num_queries(20):
        client.get(urls[0])


def test_the_commitment_page_costs_the_same_queries_with_a_long_timeline(
    client, commit, people, supervisor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    commitment = commit()

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(commitment.get_absolute_url())
        return len(queries)

    client.force_login(people.firm_staff)
    services.remark_on_commitment(commitment=commitment, by=supervisor, text="一问")
    few = cost()
    for number in range(8):
        services.report_progress(
            commitment=commitment, by=people.firm_staff, progress=number, text="进"
        )
        remark = services.remark_on_commitment(commitment=commitment, by=supervisor, text="再问")
        services.answer_remark(remark=remark, by=people.firm_staff, text="答")
    assert cost() == few


# --- The quarterly register ------------------------------------------------------------------------


def _register(client, area, **query):
    return client.get(reverse("deliberation:area_register", args=[area.code]), query)


def test_the_register_counts_what_the_funnel_counts_and_lists_public_matters(
    client, commit, accepted, report, people, tree
):
    first, second = accepted(), accepted(title="楼道灯不亮")
    private = report(category="private", title="楼上漏水赔偿纠纷")
    report(title="还没受理的问题")
    commitment = commit(issues=[first, second])
    services.record_commitment_result(
        commitment=commitment, by=people.firm_staff, result="fulfilled"
    )
    response = _register(client, tree.C1)
    register = response.context["register"]
    period = response.context["period"]
    funnel = selectors.funnel(tree.C1, period)
    assert (
        (register.registered, register.committed, register.done)
        == (
            funnel.collected,
            funnel.committed,
            funnel.resolved,
        )
        == (4, 2, 2)
    )
    assert register.commitments["made"] == register.commitments["fulfilled"] == 1
    html = response.content.decode()
    assert first.title in html and private.title not in html
    assert register.not_listed == 1
    assert "css/commitments.css" in html and "style=" not in html


def test_the_register_downloads_for_excel(client, commit, accepted, tree):
    commit(issues=[accepted()])
    response = _register(client, tree.C1, format="csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff") and "小区路灯不亮" in body and "两周内修好小区全部路灯" in body


def test_the_register_is_per_community_and_falls_back_to_this_quarter(client, tree):
    assert _register(client, tree.K1).status_code == 404
    this_quarter = selectors.Period.from_request(None).key
    for period in ("2026-05", "2026", "2026-Q9", "'; drop table", "9" * 30):
        response = _register(client, tree.C1, period=period)
        assert response.status_code == 200 and response.context["period"].key == this_quarter


def test_the_register_costs_the_same_queries_for_few_and_many_matters(
    client, commit, accepted, tree
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            _register(client, tree.C1)
        return len(queries)

    commit(issues=[accepted()])
    few = cost()
    for number in range(6):
        commit(title=f"承诺{number}", issues=[accepted(title=f"问题{number}")])
    assert cost() == few


def test_the_printed_register_carries_the_latest_head_hash(client, commit, accepted, tree):
    commit(issues=[accepted()])
    assert "<code>" not in _register(client, tree.C1).content.decode()
    seal = services.seal_timeline(now=timezone.now() + datetime.timedelta(days=2))[-1]
    assert f"<code>{seal.hash}</code>" in _register(client, tree.C1).content.decode()
