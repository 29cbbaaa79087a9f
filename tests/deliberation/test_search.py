"""deliberation.search: CJK bigrams in Python, full-text search in the database."""

import pytest
from django.db import connection
from django.utils import timezone

from communities.models import Area
from deliberation.models import Category, Issue
from deliberation.search import matching, query_terms, search_terms

# --- Tokenising (no database) -------------------------------------------------------------------


def test_cjk_run_becomes_overlapping_bigrams():
    assert search_terms("小区路灯不亮") == "小区 区路 路灯 灯不 不亮"


def test_a_lone_ideograph_stays_itself():
    assert search_terms("灯") == "灯"
    assert search_terms("灯 坏") == "灯 坏"


def test_digits_and_latin_are_words_and_split_cjk_runs():
    assert search_terms("3号楼 Wi-Fi") == "3 号楼 wi fi"
    assert search_terms("ABC123楼道") == "abc123 楼道"


def test_full_width_characters_are_normalised():
    assert search_terms("３号楼") == "3 号楼"
    assert search_terms("ＷＩＦＩ坏了") == "wifi 坏了"


def test_punctuation_and_spaces_separate_runs():
    assert search_terms("路灯，不亮！电梯。") == "路灯 不亮 电梯"
    assert search_terms("路\n灯") == "路 灯"


def test_tokens_are_deduplicated_in_first_seen_order_across_texts():
    assert search_terms("路灯坏了", "路灯 坏了 lamp", "LAMP") == "路灯 灯坏 坏了 lamp"


def test_nothing_to_index():
    assert search_terms() == ""
    assert search_terms("", "——！？ …") == ""


def test_query_terms():
    assert query_terms("路灯 3号楼") == ["路灯", "3", "号楼"]
    assert query_terms("灯") == ["灯"]
    assert query_terms("路灯路灯") == ["路灯", "灯路"]
    assert query_terms("  ，。 ") == []


def test_query_terms_are_capped_at_sixteen():
    terms = query_terms(" ".join(f"w{i}" for i in range(40)))
    assert terms == [f"w{i}" for i in range(16)]


# --- Searching ---------------------------------------------------------------------------------


@pytest.fixture
def compound(db) -> Area:
    district = Area.objects.add_root({"name": "区", "code": "D", "level": 1})
    street = Area.objects.add_child(district, {"name": "街道", "code": "S", "level": 2})
    community = Area.objects.add_child(street, {"name": "社区", "code": "C", "level": 3})
    return Area.objects.add_child(community, {"name": "小区", "code": "K", "level": 4})


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(name="路灯", code="lamp")


@pytest.fixture
def make_issue(compound, category):
    def make(title: str, description: str = "") -> Issue:
        return Issue.objects.create(
            title=title,
            description=description,
            category=category,
            area=compound,
            handling_area=compound,
            lane="quick",
            deadline=timezone.now(),
            search_text=search_terms(title, description),
        )

    return make


def found(query: str) -> set[str]:
    return set(matching(Issue.objects.all(), query).values_list("title", flat=True))


def test_a_bigram_finds_the_issue_that_contains_it(make_issue):
    make_issue("小区路灯不亮", "晚上一片黑")
    make_issue("电梯故障", "3号楼电梯停了")
    assert found("路灯") == {"小区路灯不亮"}
    assert found("电梯") == {"电梯故障"}
    assert found("停车") == set()


def test_every_term_is_required(make_issue):
    make_issue("小区路灯不亮", "3号楼门口")
    make_issue("路灯闪烁", "5号楼旁边")
    make_issue("电梯故障", "3号楼电梯停了")
    assert found("路灯 3号楼") == {"小区路灯不亮"}
    assert found("3号楼") == {"小区路灯不亮", "电梯故障"}


def test_terms_are_whole_tokens(make_issue):
    make_issue("小区路灯不亮", "13号楼门口")
    # "3" is not "13", and "灯路" is not a bigram of the text: tokens are not split further.
    assert found("3号楼") == set()
    assert found("13号楼") == {"小区路灯不亮"}
    assert found("灯路") == set()


def test_latin_and_full_width_queries(make_issue):
    make_issue("WiFi信号差", "物业的wifi")
    assert found("wifi") == {"WiFi信号差"}
    assert found("ＷＩＦＩ") == {"WiFi信号差"}


def test_one_ideograph_matches_tokens_starting_with_it(make_issue):
    make_issue("灯不亮了")  # tokens 灯不 亮了 …: 灯不 starts with 灯
    make_issue("路灯坏了")  # 路灯 灯坏 坏了: 灯坏 starts with 灯
    make_issue("灯")  # the lone ideograph itself
    make_issue("小区路灯")  # 小区 区路 路灯: 灯 only ends a token, so it is not found
    assert found("灯") == {"灯不亮了", "路灯坏了", "灯"}


def test_an_empty_query_returns_everything(make_issue):
    make_issue("小区路灯不亮")
    make_issue("电梯故障")
    assert found("") == {"小区路灯不亮", "电梯故障"}
    assert found("，。！") == {"小区路灯不亮", "电梯故障"}


def test_query_syntax_characters_are_harmless(make_issue):
    make_issue("小区路灯不亮")
    assert found("路灯' | '不亮") == {"小区路灯不亮"}
    assert found('路灯" OR "x') == set()
    assert found("路灯 *:& !") == {"小区路灯不亮"}


def test_changing_search_text_changes_the_results(make_issue):
    issue = make_issue("小区路灯不亮")
    issue.search_text = search_terms("电梯故障")
    issue.save(update_fields=["search_text"])
    assert found("路灯") == set()
    assert found("电梯") == {"小区路灯不亮"}
    Issue.objects.filter(pk=issue.pk).update(search_text=search_terms("路灯"))
    assert found("电梯") == set()
    assert found("路灯") == {"小区路灯不亮"}


def test_saving_other_fields_keeps_the_issue_findable(make_issue):
    issue = make_issue("小区路灯不亮")
    issue.status = Issue.Status.ACCEPTED
    issue.save()
    assert found("路灯") == {"小区路灯不亮"}


def test_a_deleted_issue_is_no_longer_found(make_issue):
    issue = make_issue("小区路灯不亮")
    keep = make_issue("路灯闪烁")
    issue.delete()
    assert found("路灯") == {"路灯闪烁"}
    keep.delete()
    assert found("路灯") == set()


def test_matching_composes_with_other_filters(make_issue):
    make_issue("小区路灯不亮")
    other = make_issue("路灯闪烁")
    Issue.objects.filter(pk=other.pk).update(status=Issue.Status.REJECTED)
    assert set(matching(Issue.objects.public(), "路灯").values_list("title", flat=True)) == {
        "小区路灯不亮"
    }
    assert matching(Issue.objects.all(), "路灯").count() == 2


# --- What the database holds -------------------------------------------------------------------


@pytest.mark.django_db
def test_sqlite_fts5_keeps_each_bigram_as_one_token(make_issue):
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only")
    make_issue("小区路灯不亮", "3号楼 WiFi")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE temp.issue_fts_vocab "
            "USING fts5vocab(main, deliberation_issue_fts, row)"
        )
        cursor.execute("SELECT term FROM temp.issue_fts_vocab")
        terms = {row[0] for row in cursor.fetchall()}
        cursor.execute("DROP TABLE temp.issue_fts_vocab")
    assert terms == {"小区", "区路", "路灯", "灯不", "不亮", "3", "号楼", "wifi"}


@pytest.mark.django_db
def test_sqlite_triggers_survive_the_migrations():
    # A later migration that remakes deliberation_issue on SQLite drops its triggers.
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 triggers exist on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'deliberation_issue'"
        )
        triggers = {row[0] for row in cursor.fetchall()}
    assert triggers == {
        "deliberation_issue_fts_insert",
        "deliberation_issue_fts_delete",
        "deliberation_issue_fts_update",
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_uses_the_gin_index(compound, category):
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only")
    now = timezone.now()
    words = ["路灯", "电梯", "停车", "噪音", "漏水", "绿化", "垃圾", "门禁"]
    Issue.objects.bulk_create(
        Issue(
            title=f"{words[i % 8]}问题{i}",
            description="",
            category=category,
            area=compound,
            handling_area=compound,
            lane="quick",
            deadline=now,
            search_text=search_terms(f"{words[i % 8]}问题{i}号楼"),
        )
        for i in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deliberation_issue")
        # Proves the planner *can* use the index, whatever it estimates for this small table.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = matching(Issue.objects.all(), "路灯 17").explain()
    assert "deliberation_issue_search_gin" in plan, plan
    assert matching(Issue.objects.all(), "路灯 17").count() == 0  # 17 % 8 != 0
    assert matching(Issue.objects.all(), "路灯 16").count() == 1
    assert matching(Issue.objects.all(), "路").count() == 500
