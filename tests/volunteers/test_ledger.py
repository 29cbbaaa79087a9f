"""The points ledger keeps its promises: sum of entries, never below zero, reversed once, and a
retried award counted once."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers import services
from volunteers.models import LedgerEntry, PointsAccount, Redemption, Reward


def _balance(user) -> int:
    return PointsAccount.objects.get(user=user).balance


def _sum(user) -> int:
    return sum(LedgerEntry.objects.filter(account__user=user).values_list("points", flat=True))


def test_a_retried_award_counts_once(people, admin_user):
    first = services.award_points(
        user=people.resident, points=20, reason="送餐", by=admin_user, idempotency_key="k1"
    )
    again = services.award_points(
        user=people.resident, points=20, reason="送餐", by=admin_user, idempotency_key="k1"
    )
    assert first.pk == again.pk
    assert _balance(people.resident) == 20 == _sum(people.resident)


def test_a_redemption_beyond_the_balance_is_refused_and_nothing_is_stored(
    people, reward, admin_user
):
    services.award_points(
        user=people.resident, points=10, reason="送餐", by=admin_user, idempotency_key="k"
    )
    with pytest.raises(ValidationError) as error:
        services.redeem_reward(reward=reward, user=people.resident)
    assert error.value.code == "insufficient_points"
    reward.refresh_from_db()
    assert (reward.stock, _balance(people.resident), Redemption.objects.count()) == (1, 10, 0)


def test_a_redemption_takes_points_and_stock_together_and_a_cancel_returns_both(
    people, reward, admin_user
):
    services.award_points(
        user=people.resident, points=40, reason="送餐", by=admin_user, idempotency_key="k"
    )
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    reward.refresh_from_db()
    assert (reward.stock, _balance(people.resident)) == (0, 25)
    assert len(redemption.pickup_code) == 6
    with pytest.raises(ValidationError) as error:
        services.redeem_reward(reward=reward, user=people.resident)
    assert error.value.code == "out_of_stock"
    services.cancel_redemption(redemption=redemption, by=people.resident)
    reward.refresh_from_db()
    assert (reward.stock, _balance(people.resident)) == (1, 40)
    assert _balance(people.resident) == _sum(people.resident)


def test_staff_hand_over_with_the_pickup_code(people, reward, admin_user):
    services.award_points(
        user=people.resident, points=40, reason="送餐", by=admin_user, idempotency_key="k"
    )
    redemption = services.redeem_reward(reward=reward, user=people.resident)
    with pytest.raises(ValidationError):
        services.hand_over(
            redemption=redemption,
            code="000000" if redemption.pickup_code != "000000" else "111111",
            by=people.community_staff,
        )
    services.hand_over(
        redemption=redemption, code=redemption.pickup_code, by=people.community_staff
    )
    with pytest.raises(ValidationError):
        services.cancel_redemption(redemption=redemption, by=people.resident)


def test_an_entry_is_reversed_at_most_once(people, admin_user):
    award = services.award_points(
        user=people.resident, points=30, reason="巡逻", by=admin_user, idempotency_key="k"
    )
    services.reverse_entry(entry=award, by=people.community_staff, reason="记错了人")
    with pytest.raises(ValidationError) as error:
        services.reverse_entry(entry=award, by=people.community_staff, reason="again")
    assert error.value.code == "already_reversed"
    assert _balance(people.resident) == 0 == _sum(people.resident)


def test_spent_points_cannot_be_reversed_below_zero(people, reward, admin_user):
    award = services.award_points(
        user=people.resident, points=15, reason="巡逻", by=admin_user, idempotency_key="k"
    )
    services.redeem_reward(reward=reward, user=people.resident)
    with pytest.raises(ValidationError) as error:
        services.reverse_entry(entry=award, by=people.community_staff, reason="记错了")
    assert error.value.code == "insufficient_points"
    assert _balance(people.resident) == 0


def test_only_staff_of_the_persons_home_adjust_points(people, admin_user):
    from django.core.exceptions import PermissionDenied

    for outsider in (people.resident, people.firm_staff, people.stranger):
        with pytest.raises(PermissionDenied):
            services.adjust_points(user=people.resident, points=5, reason="x", by=outsider)
    services.adjust_points(
        user=people.resident, points=5, reason="补记上月积分", by=people.community_staff
    )
    with pytest.raises(ValidationError):
        services.adjust_points(
            user=people.resident, points=-6, reason="多记了", by=people.community_staff
        )
    assert _balance(people.resident) == 5


def test_the_database_refuses_to_edit_an_entry(people, admin_user):
    entry = services.award_points(
        user=people.resident, points=5, reason="x", by=admin_user, idempotency_key="k"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(points=500)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).points == 5


def test_verify_ledger_reports_a_drifted_balance(people, admin_user):
    services.award_points(
        user=people.resident, points=5, reason="x", by=admin_user, idempotency_key="k"
    )
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 wrong" in out.getvalue()
    PointsAccount.objects.filter(user=people.resident).update(balance=99)
    with pytest.raises(SystemExit):
        call_command("verify_ledger", stdout=io.StringIO())


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["award", "redeem", "reverse", "reverse_again", "adjust"]),
        st.integers(1, 60),
    ),
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_any_sequence_of_operations_keeps_the_invariants(
    people, organiser_org, tree, admin_user, operations
):
    """Property: whatever happens, balance == sum of entries >= 0, and nothing is reversed twice."""
    user = people.resident
    shelf = Reward.objects.create(
        name="肥皂", organization=organiser_org, area=tree.C1, cost=7, stock=1000
    )
    awards = []
    with transaction.atomic():
        for step, (operation, amount) in enumerate(operations):
            try:
                with transaction.atomic():
                    if operation == "award":
                        awards.append(
                            services.award_points(
                                user=user,
                                points=amount,
                                reason="p",
                                by=admin_user,
                                idempotency_key=f"p-{id(operations)}-{step}",
                            )
                        )
                    elif operation == "redeem":
                        services.redeem_reward(reward=shelf, user=user)
                    elif operation in {"reverse", "reverse_again"} and awards:
                        services.reverse_entry(
                            entry=awards[amount % len(awards)], by=admin_user, reason="p"
                        )
                    elif operation == "adjust":
                        services.adjust_points(
                            user=user, points=amount - 30, reason="p", by=admin_user
                        )
            except ValidationError:
                pass
            account = PointsAccount.objects.filter(user=user).first()
            balance = account.balance if account else 0
            assert balance == _sum(user) >= 0
        reversed_ids = list(
            LedgerEntry.objects.filter(reverses__isnull=False).values_list("reverses_id", flat=True)
        )
        assert len(reversed_ids) == len(set(reversed_ids))
        transaction.set_rollback(True)


def test_hours_become_points_only_when_confirmed_and_corrections_reverse(people, activity):
    entry = services.sign_up(activity=activity, user=people.resident)
    with pytest.raises(ValidationError):
        services.confirm_hours(sign_up=entry, hours=Decimal("2"), by=people.community_staff)
    services.check_in(sign_up=entry, by=people.community_staff)
    for bad in (Decimal("-1"), Decimal("0"), Decimal("25")):
        with pytest.raises(ValidationError):
            services.confirm_hours(sign_up=entry, hours=bad, by=people.community_staff)
    assert not LedgerEntry.objects.exists()
    services.confirm_hours(sign_up=entry, hours=Decimal("2"), by=people.community_staff)
    assert _balance(people.resident) == 20
    services.confirm_hours(sign_up=entry, hours=Decimal("2"), by=people.community_staff)
    assert _balance(people.resident) == 20
    services.confirm_hours(sign_up=entry, hours=Decimal("1.5"), by=people.community_staff)
    assert _balance(people.resident) == 15 == _sum(people.resident)
    kinds = list(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == ["award", "reversal", "award"]
    assert PointsAccount.objects.get(user=people.resident).hours == Decimal("1.5")


def test_badges_follow_confirmed_hours_and_good_neighbour_awards(people, tree):
    from volunteers.models import Nomination
    from volunteers.selectors import badges_of

    account = PointsAccount.objects.create(user=people.resident, hours=Decimal("55"))
    assert [badge.key for badge in badges_of(account)] == ["hours-50"]
    Nomination.objects.create(
        nominee=people.resident,
        nominated_by=people.stranger,
        area=tree.C1,
        year=2026,
        reason="热心",
        status="awarded",
    )
    assert [badge.key for badge in badges_of(account)] == ["hours-50", "good-neighbour-2026"]
