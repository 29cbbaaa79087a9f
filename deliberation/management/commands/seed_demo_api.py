"""The demo's integration: a 12345 hotline that holds an API token and files reports by Open311.

    python manage.py seed_demo          # the district, its people and demo accounts
    python manage.py seed_demo_issues   # the issues
    python manage.py seed_demo_api      # then: the hotline's token and the calls it passed on

The token belongs to the `community` demo account (staff of its residents' committee), as a
district's hotline system would hold one; its secret is printed the first time, once, as the
profile page shows it. The hotline's calls are filed through `services.submit_issue` exactly as
`/open311/v2/requests.json` files them: recorded by the token's owner, channel "open311", no
reporter. Running it again changes nothing (the calls carry fixed submission keys).
"""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from communities import services as community_services
from communities.models import ApiToken, Area, Membership, Organization, User
from deliberation import services
from deliberation.models import Category, Issue
from deliberation.open311 import title_from

TOKEN_NAME = "12345 市民热线"
# (category code, description); filed for the community's buildings in turn.
CALLS = (
    ("lamp", "市民来电：小区东门进来第二盏路灯不亮，晚上老人散步看不清路。"),
    ("sanitation", "市民来电：楼下垃圾桶两天没有清运，味道很大，希望尽快处理。"),
    ("lift", "市民来电：电梯运行时有异响，早高峰停了一次，家里有老人不敢坐。"),
)
NAMESPACE = uuid.UUID("5b1d3a9e-6f0c-4c1e-9a57-0c5f2b7d8e11")


class Command(BaseCommand):
    help = "Give the demo's 12345 hotline an API token and file its calls by Open311."

    def handle(self, *args, **options):
        staff = User.objects.filter(username="community").first()
        if staff is None:
            raise CommandError("Run `manage.py seed_demo` first: there is no demo staff account.")
        if not ApiToken.objects.active().filter(owner=staff, name=TOKEN_NAME).exists():
            _token, secret = community_services.create_api_token(owner=staff, name=TOKEN_NAME)
            self.stdout.write(
                f"The hotline's API token (shown once; account `community`): {secret}"
            )
        community = (
            Membership.objects.active()
            .filter(user=staff, organization__kind=Organization.Kind.RESIDENTS_COMMITTEE)
            .values_list("organization__area", flat=True)
            .first()
        )
        buildings = list(
            Area.objects.under(Area.objects.get(pk=community)).of_level(Area.Level.BUILDING)[
                : len(CALLS)
            ]
        )
        filed = 0
        for (code, description), building in zip(CALLS, buildings, strict=False):
            category = Category.objects.filter(code=code, active=True).first()
            if category is None:
                continue
            key = uuid.uuid5(NAMESPACE, f"{building.code}:{code}")
            filed += not Issue.objects.filter(submission_key=key).exists()
            services.submit_issue(
                title=title_from(description),
                description=description,
                category=category,
                area=building,
                reporter=None,
                recorded_by=staff,
                channel=Issue.Channel.OPEN311,
                submission_key=key,
            )
        self.stdout.write(f"Seeded the hotline: {filed} calls filed by Open311.")
