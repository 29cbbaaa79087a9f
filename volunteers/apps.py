from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers and service points")

    def ready(self) -> None:
        # The volunteers' sheet joins communities' import framework (communities never names us).
        from volunteers import imports  # noqa: F401
