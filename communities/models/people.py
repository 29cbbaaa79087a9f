"""People, organisations and roles, held on nodes of the tree."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models.places import Area, Household, ancestor_paths, subtree_q
from communities.phones import mask_mobile

# --- People ------------------------------------------------------------------------------------


class User(AbstractUser):
    """An account. Name, phone and address are personal data: see `communities.rules`."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(
        _("mobile number"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stored as +86 followed by 11 digits."),
    )
    large_text = models.BooleanField(_("large text"), default=False)
    high_contrast = models.BooleanField(_("high contrast"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone or "")

    @property
    def masked_name(self) -> str:
        """张** for 张三丰: the family name alone, as notices on a board show residents."""
        name = self.full_name or self.username
        return name[:1] + "*" * max(len(name) - 1, 1)


class ResidencyQuerySet(models.QuerySet):
    def verified(self) -> ResidencyQuerySet:
        return self.filter(status=Residency.Status.VERIFIED)

    def pending(self) -> ResidencyQuerySet:
        return self.filter(status=Residency.Status.PENDING)

    def visible_to(self, user) -> ResidencyQuerySet:
        """A claim is seen by its claimant and by those who manage the building."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from communities.reach import managed_paths

        return self.filter(
            Q(user=user) | subtree_q(managed_paths(user), "household__building__path")
        )


class Residency(models.Model):
    """An account's claim to live in a household, verified by staff of its community."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for verification")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")
        ENDED = "ended", _("moved out")

    class Relation(models.TextChoices):
        OWNER = "owner", _("owner")
        TENANT = "tenant", _("tenant")
        FAMILY = "family", _("family member")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="residencies", verbose_name=_("resident")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residencies", verbose_name=_("household")
    )
    relation = models.CharField(
        _("relation"), max_length=16, choices=Relation.choices, default=Relation.OWNER
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ResidencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "household"],
                condition=Q(status__in=["pending", "verified"]),
                name="residency_one_open_claim_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.household}"


# --- Organisations and roles -----------------------------------------------------------------


class Organization(models.Model):
    """A party organisation, committee, firm, group or department seated in an area."""

    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("party committee")
        PARTY_GENERAL_BRANCH = "party_general_branch", _("party general branch")
        PARTY_BRANCH = "party_branch", _("party branch")
        PARTY_GROUP = "party_group", _("party group")
        GOVERNMENT_OFFICE = "government_office", _("government office")
        RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
        OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
        PROPERTY_FIRM = "property_firm", _("property-service firm")
        SELF_MANAGEMENT_GROUP = "self_management_group", _("self-management group")
        SOCIAL_ORGANIZATION = "social_organization", _("social organisation")
        RESIDENT_UNIT = "resident_unit", _("resident unit")
        DEPARTMENT = "department", _("government department")

    # Members of these manage the whole subtree of their seat: verify residents, see personal
    # data where needed, edit the tree. Everyone else acts in their area but manages nothing.
    ADMINISTRATIVE_KINDS = frozenset(
        {Kind.PARTY_COMMITTEE, Kind.GOVERNMENT_OFFICE, Kind.RESIDENTS_COMMITTEE}
    )
    PARTY_KINDS = frozenset(
        {Kind.PARTY_COMMITTEE, Kind.PARTY_GENERAL_BRANCH, Kind.PARTY_BRANCH, Kind.PARTY_GROUP}
    )

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("seat")
    )
    served_areas = models.ManyToManyField(
        Area,
        blank=True,
        related_name="serving_organizations",
        verbose_name=_("areas served"),
        help_text=_(
            "For a property-service firm: the compounds it serves under contract. It acts there "
            "and nowhere else."
        ),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("superior organisation"),
    )
    phone = models.CharField(_("public telephone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["area__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "kind", "name"], name="organization_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_administrative(self) -> bool:
        return self.kind in self.ADMINISTRATIVE_KINDS

    @property
    def reaches_by_contract(self) -> bool:
        """A property firm's reach is its contracts, not the subtree of where it is registered."""
        return self.kind == self.Kind.PROPERTY_FIRM

    def reaches(self, area: Area) -> bool:
        """The organisation acts here: its seat or a place under it; a firm where it has a contract."""
        if self.reaches_by_contract:
            return self.served_areas.filter(path__in=ancestor_paths(area.path)).exists()
        return self.area.contains(area)


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Membership(models.Model):
    """A post held by a person in an organisation for a term; one person may hold several."""

    class Position(models.TextChoices):
        HEAD = "head", _("head")
        DEPUTY = "deputy", _("deputy head")
        MEMBER = "member", _("member")
        STAFF = "staff", _("staff")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    position = models.CharField(
        _("position"), max_length=16, choices=Position.choices, default=Position.MEMBER
    )
    title = models.CharField(
        _("title"), max_length=60, blank=True, help_text=_("As people say it, e.g. 书记, 主任.")
    )
    starts_on = models.DateField(_("term starts"), default=timezone.localdate)
    ends_on = models.DateField(_("term ends"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization", "position", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="membership_term_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["user", "organization", "position", "starts_on"],
                name="membership_unique_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.title or self.get_position_display()}"


class AreaRoleQuerySet(models.QuerySet):
    def active(self) -> AreaRoleQuerySet:
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))


class AreaRole(models.Model):
    """A personal role held on a node of the tree (楼栋长 on a building, 调解员 on a community)."""

    class Kind(models.TextChoices):
        BUILDING_HEAD = "building_head", _("building head")
        PARTY_INSTRUCTOR = "party_instructor", _("party-building instructor")
        BUILDING_LIAISON = "building_liaison", _("building liaison")
        PUBLIC_SUPERVISOR = "public_supervisor", _("public supervisor")
        MEDIATOR = "mediator", _("mediator")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="area_roles", verbose_name=_("person")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="roles", verbose_name=_("area")
    )
    kind = models.CharField(_("role"), max_length=32, choices=Kind.choices)
    starts_on = models.DateField(_("since"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = AreaRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("area role")
        verbose_name_plural = _("area roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area", "kind"],
                condition=Q(ends_on__isnull=True),
                name="area_role_unique_while_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.area} · {self.user}"


class Grid(models.Model):
    """A grid (网格) of the grid-management system, covering areas, with its grid worker."""

    class Kind(models.TextChoices):
        MASTER = "master", _("master grid")
        GENERAL = "general", _("general grid")
        MICRO = "micro", _("micro grid")
        DEDICATED = "dedicated", _("dedicated grid")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="grids", verbose_name=_("belongs to")
    )
    covered_areas = models.ManyToManyField(
        Area, related_name="covering_grids", verbose_name=_("covers")
    )
    worker = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grids",
        verbose_name=_("grid worker"),
    )

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["area__path", "code"]

    def __str__(self) -> str:
        return self.name


class PartyRegistrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> PartyRegistrationQuerySet:
        """The member sees their own; staff see those of the communities they manage."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from communities.reach import managed_paths

        return self.filter(Q(user=user) | subtree_q(managed_paths(user), "community__path"))

    def displayed_in(self, compound: Area) -> PartyRegistrationQuerySet:
        """Confirmed members who agreed to be shown, living in the compound (党员公示)."""
        return self.filter(
            status=PartyRegistration.Status.CONFIRMED,
            show_publicly=True,
            user__residencies__status=Residency.Status.VERIFIED,
            user__residencies__household__building__path__startswith=compound.path,
        ).distinct()


class PartyRegistration(models.Model):
    """A party member reporting to their residential community (党员报到)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="party_registration",
        verbose_name=_("party member"),
    )
    community = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="party_registrations",
        limit_choices_to={"level": Area.Level.COMMUNITY},
        verbose_name=_("residential community"),
    )
    home_organization = models.CharField(
        _("party organisation of membership"),
        max_length=120,
        help_text=_("Where your party membership is kept, e.g. your workplace's branch."),
    )
    show_publicly = models.BooleanField(
        _("show me on my compound's party-member board"), default=False
    )
    lead_household = models.BooleanField(_("lead household (党员中心户)"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PartyRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("party-member registration")
        verbose_name_plural = _("party-member registrations")
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.community}"
