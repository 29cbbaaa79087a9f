"""Deploy checks of our own, run by `manage.py check --deploy` beside Django's."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.security, deploy=True)
def rate_limits_are_shared(app_configs, **kwargs):
    """Login, code and API rate limits count in the default cache; a cache of one process lets
    each gunicorn worker count on its own, so an attacker gets the limit once per worker."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is per-process memory, so login, code-verification and API "
                "rate limits are not shared between processes.",
                hint="Set REDIS_URL (docs/deploy.md).",
                id="governance.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def no_inline_code_allowed(app_configs, **kwargs):
    """The CSP is the second line against injected markup; 'unsafe-inline' or 'unsafe-eval'
    would switch it off."""
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    loose = sorted(
        name
        for name, sources in directives.items()
        if any(str(source).strip("'") in {"unsafe-inline", "unsafe-eval"} for source in sources)
    )
    if loose:
        return [
            Error(
                f"The Content-Security-Policy allows inline code in: {', '.join(loose)}.",
                hint="Move the script or style to a file under static/.",
                id="governance.E001",
            )
        ]
    return []
