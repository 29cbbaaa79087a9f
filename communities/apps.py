from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Places, people and organisations")

    def ready(self) -> None:
        # The sheets of places and people register themselves with the import framework.
        from communities.imports import people, places  # noqa: F401
