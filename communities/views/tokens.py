"""API tokens in a person's profile: made here, shown once, revoked here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from communities import services
from communities.forms import ApiTokenForm, add_service_errors
from communities.models import ApiToken


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's tokens, and a form for a new one.

    A new token's secret is shown in the response to the POST itself, not after a redirect:
    the portal keeps no copy (only its hash), so there is nothing a redirected GET could show.
    The page is marked never to be cached."""
    if not request.user.has_perm("communities.create_api_token"):
        raise PermissionDenied
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.create_api_token(
                owner=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "communities/apitoken_list.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.visible_to(request.user).filter(owner=request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    services.revoke_api_token(token=token, by=request.user)
    messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("communities:api_tokens")
