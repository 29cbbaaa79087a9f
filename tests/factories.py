"""Factories for people; places are built through services (see conftest.tree)."""

import itertools
from decimal import Decimal

import factory

from communities.models import Household, User

_phones = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"张{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    phone = factory.LazyFunction(lambda: f"+86139{next(_phones):08d}")
    password = factory.django.Password("a-long-test-passphrase")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    unit = "1"
    room = factory.Sequence(lambda n: f"{101 + n}")
    floor_area = Decimal("88.50")


def workbook_upload(sheets: dict, name: str = "import.xlsx"):
    """An uploaded .xlsx with one sheet per (title → rows); each sheet's first row is its
    header row, as staff type it."""
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        worksheet = book.create_sheet(title)
        for row in rows:
            worksheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
