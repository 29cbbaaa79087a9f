import re
from django.urls import reverse
from tests.access.matrix import MATRIX
from tests.access.test_matrix import _client, ask, cases
import pytest

@pytest.mark.parametrize("key", ["communities:notice_create", "deliberation:report_issue", "deliberation:commitment_act", "deliberation:remark_answer", "deliberation:topic_issue", "communities:household_add", "communities:space_detail", "communities:booking_decide", "volunteers:sign_up_confirm_hours", "deliberation:staff_bulk_assign", "communities:import_job_confirm", "volunteers:reward_redeem"])
def test_debug(world, db, key):
    entry = MATRIX[key]
    role = "superuser" if key != "communities:space_detail" else "community_staff"
    client = _client(world, role)
    rel, obj, mark = cases(world, entry, role)[0]
    url = reverse(key.split("[")[0], kwargs=entry.kwargs(obj))
    r = ask(client, "POST", url, entry.data(world, obj, role))
    text = r.content.decode()
    print(key, r.status_code, r.headers.get("Location"))
    print(re.findall(r'class="[^"]*(?:error|errorlist|message)[^"]*"[^>]*>(.*?)</', text, re.S)[:5])
    print([str(m) for m in getattr(r.wsgi_request._messages, "_queued_messages", [])])
