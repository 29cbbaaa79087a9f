"""Show imports in the demo: the community office brings in a new compound from its workbook.

    python manage.py seed_demo               # first: the district and the demo accounts
    python manage.py seed_demo_imports       # then: two imports by the `community` account

The demo account `community` (staff of its residents' committee) uploads a workbook of a new
compound, 3 buildings and 72 households with 48 residents, through the services the page uses:
checked, confirmed and imported, with an invitation per resident to print. A second workbook,
with mistakes, is checked and refused row by row. Running it again changes nothing.
"""

from __future__ import annotations

from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from communities import services
from communities.imports.places import HouseholdSheet
from communities.imports.sample import Sizes, community_workbook
from communities.imports.workbooks import write_workbook
from communities.models import Area, ImportJob, Membership, Organization, User

GOOD_NAME = "紫荆公寓三期-住户名册.xlsx"
BROKEN_NAME = "紫荆公寓三期-补充登记(待修改).xlsx"


class Command(BaseCommand):
    help = "Import a new compound into the demo community, as its staff would."

    def handle(self, *args, **options):
        staff = User.objects.filter(username="community").first()
        membership = (
            Membership.objects.active()
            .filter(user=staff, organization__kind=Organization.Kind.RESIDENTS_COMMITTEE)
            .select_related("organization__area")
            .first()
            if staff
            else None
        )
        if membership is None:
            raise CommandError("Run `manage.py seed_demo` first: there is no demo community.")
        community = membership.organization.area
        if ImportJob.objects.filter(area=community, original_name=GOOD_NAME).exists():
            self.stdout.write("The demo imports are already there.")
            return
        # The demo runs its tasks here and now, whether or not a broker is configured.
        current_app.conf.task_always_eager = True
        street = Area.objects.get_parent(community)
        good = community_workbook(
            parent_code=street.code,
            code=community.code,
            name=community.name,
            sizes=Sizes(compounds=1, buildings=3, households=72, residents=48),
            seed=7,
            phone_prefix="135",
            community_row=False,
            first_compound=91,
        )
        job = self._upload(community, staff, good, GOOD_NAME)
        services.confirm_import(job=job, by=staff)
        job.refresh_from_db()
        self.stdout.write(
            f"Imported {job.created_count} rows into {community.name} "
            f"({job.invitations.count()} invitations to print): {job.get_absolute_url()}"
        )
        building = f"{community.code}-91-01"
        broken = write_workbook(
            [
                (
                    HouseholdSheet,
                    [
                        [building, "1", "101", "89.5"],
                        [building, "1", "101", "89.5"],
                        [building, "2", "305", "九十"],
                        [f"{community.code}-99-01", "1", "101", "70"],
                        [community.code, "1", "101", "70"],
                        [building, "3", "", "70"],
                    ],
                    False,
                )
            ],
            notes=False,
        )
        refused = self._upload(community, staff, broken, BROKEN_NAME)
        self.stdout.write(
            f"Checked a workbook with mistakes: {refused.rejected_count} rows refused with "
            f"their reasons: {refused.get_absolute_url()}"
        )

    def _upload(self, community: Area, staff: User, content: bytes, name: str) -> ImportJob:
        job = services.start_import(
            area=community,
            upload=SimpleUploadedFile(name, content),
            by=staff,
            language="zh-hans",
        )
        job.refresh_from_db()
        return job
