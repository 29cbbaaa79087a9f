"""A page of a long list without counting the whole list.

An exact total of 200,000 issues costs a scan; a resident reading a list needs "next page",
not the total. Fetching one row more than the page tells whether there is a next one.
"""

from dataclasses import dataclass, field


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool
    paginator: None = field(default=None, repr=False)  # templates check it: no total known

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __bool__(self) -> bool:
        return bool(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_without_count(queryset, page: str | None, per_page: int) -> Page:
    """Page `page` (1 when missing or not a positive number) of the queryset, and whether more follow."""
    number = int(page) if page and page.isdecimal() and 0 < int(page) < 10_000 else 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(object_list=rows[:per_page], number=number, has_next=len(rows) > per_page)


def query_without_page(request) -> str:
    """The current filters as a query string, for links to other pages of the same list."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
