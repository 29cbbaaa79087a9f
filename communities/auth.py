"""Log in with a mainland mobile number as well as a username or e-mail address."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from communities.models import User
from communities.phones import normalize_mobile


class MobileNumberBackend(ModelBackend):
    """allauth passes what was typed in the login box as `username`; if it reads as a mobile
    number in any usual spelling (138 1234 5678, +86-13812345678), find the account by it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        try:
            phone = normalize_mobile(username)
        except ValidationError:
            return None
        user = User.objects.filter(phone=phone).first()
        if user is None:
            # Spend the same time as a wrong password, so a stranger cannot learn which numbers
            # have accounts by timing the answer.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class LoginForm(allauth_forms.LoginForm):
    """allauth's login box, saying that a mobile number works too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Username, e-mail or mobile number")
        login.widget.attrs["placeholder"] = _("Username, e-mail or mobile number")


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter, counting failed log-ins per account whatever the spelling of a mobile
    number: without this, 138 1234 5678, 13812345678 and +86-138-1234-5678 would each get
    their own five attempts at the same account."""

    # allauth has no public hook for this key; tests/governance/test_rate_limits.py fails if the
    # private one it calls ever changes.
    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        login = credentials.get("email", credentials.get("username", ""))
        try:
            phone = normalize_mobile(login)
        except ValidationError:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return super()._get_login_attempts_cache_key(request, username=phone)
