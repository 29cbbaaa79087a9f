"""Community staff onboard a compound from a workbook in a real browser; a resident claims their
invitation on a phone."""

import pytest
from playwright.sync_api import Page, expect

from communities.models import Household, ImportJob, Invitation
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory, workbook_upload

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名、电子邮箱或手机号").fill(login)
    page.get_by_label("密码").fill("a-long-test-passphrase")
    page.locator("main form button[type=submit]").click()


def test_staff_upload_check_confirm_and_follow_an_import_to_its_report(
    live_server, browser, tree, people, tmp_path, shoot, csp_violations
):
    workbook = tmp_path / "桂花苑.xlsx"
    workbook.write_bytes(
        workbook_upload(
            {
                "区域": [
                    ["代码", "上级代码", "层级", "名称", "地址"],
                    ["K9", "C1", "小区", "桂花苑", "后湖大道9号"],
                    ["K9-1", "K9", "楼栋", "1栋", ""],
                ],
                "住户": [
                    ["楼栋代码", "单元", "室号", "建筑面积(㎡)"],
                    ["K9-1", "1", "101", "88.5"],
                    ["K9-1", "1", "102", "九十"],
                ],
                "居民": [
                    ["姓名", "手机号码", "楼栋代码", "单元", "室号", "与户关系"],
                    ["张三丰", "13812345678", "K9-1", "1", "101", "业主"],
                ],
            }
        ).read()
    )
    staff = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = csp_violations(staff.new_page())
    _log_in(page, live_server, people.community_staff.username)
    page.goto(live_server.url + tree.C1.get_absolute_url())
    page.get_by_role("link", name="导入与导出").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入与导出：安居社区")

    # A first upload with a floor area that is not a number: refused row by row.
    page.get_by_label("工作簿（.xlsx）或 CSV 文件").set_input_files(str(workbook))
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("main")).to_contain_text("未通过：有些行需要更正")
    expect(page.locator("main table")).to_contain_text("建筑面积(㎡) “九十” 不是数字。")
    expect(page.get_by_role("button", name="确认并导入")).to_have_count(0)
    assert not Household.objects.filter(building__code="K9-1").exists()

    # Corrected, uploaded again: checked, then confirmed; the report replaces the progress.
    workbook.write_bytes(
        workbook_upload(
            {
                "区域": [
                    ["代码", "上级代码", "层级", "名称", "地址"],
                    ["K9", "C1", "小区", "桂花苑", "后湖大道9号"],
                    ["K9-1", "K9", "楼栋", "1栋", ""],
                ],
                "住户": [
                    ["楼栋代码", "单元", "室号", "建筑面积(㎡)"],
                    ["K9-1", "1", "101", "88.5"],
                    ["K9-1", "1", "102", "90"],
                ],
                "居民": [
                    ["姓名", "手机号码", "楼栋代码", "单元", "室号", "与户关系"],
                    ["张三丰", "13812345678", "K9-1", "1", "101", "业主"],
                ],
            }
        ).read()
    )
    page.get_by_role("link", name="上传其他文件").click()
    page.get_by_label("工作簿（.xlsx）或 CSV 文件").set_input_files(str(workbook))
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("main")).to_contain_text("检查完毕，等待您确认")
    expect(page.locator("main table")).to_contain_text("桂花苑 (K9)")
    shoot(page, "import-check-desktop-zh")
    page.get_by_role("button", name="确认并导入").click()
    expect(page.locator("main")).to_contain_text("导入结果")
    progress = page.locator("progress#import-progress-bar")
    expect(progress).to_have_attribute("max", "5")
    expect(progress).to_have_attribute("value", "5")
    expect(page.get_by_label("已处理 5 / 5 行")).to_be_visible()
    shoot(page, "import-report-desktop-zh")
    assert ImportJob.objects.filter(status="done").count() == 1
    assert Household.objects.filter(building__code="K9-1").count() == 2

    page.get_by_role("link", name="打印 1 个邀请码").click()
    invitation = Invitation.objects.get()
    expect(page.locator(".slip-code")).to_have_text(invitation.display_code)
    expect(page.locator("main")).to_contain_text("张**")

    # The resident types the code from the slip on a phone.
    resident = UserFactory(full_name="")
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    mobile = csp_violations(phone.new_page())
    _log_in(mobile, live_server, resident.username)
    mobile.goto(live_server.url + "/me/")
    mobile.get_by_role("link", name="我有邀请码").click()
    mobile.get_by_label("邀请码").fill(invitation.display_code.lower())
    mobile.get_by_role("button", name="关联我的住户").click()
    expect(mobile.locator(".messages")).to_contain_text("已核实居民")
    expect(mobile.locator("main")).to_contain_text("已核实")
    assert csp_violations.messages == []
