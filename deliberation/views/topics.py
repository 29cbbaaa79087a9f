"""The online deliberation hall (网上议事厅): an area's topics, a topic with its comments and
replies, moderation, and what the organiser does at close."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import reach
from communities.forms import add_service_errors, errors_to_messages, form_errors_to_messages
from communities.models import Area
from deliberation import services
from deliberation.forms.topics import (
    CommentForm,
    HideCommentForm,
    SummaryForm,
    TopicForm,
    TopicIssueForm,
)
from deliberation.models import Poll, Topic, TopicComment
from deliberation.views.polls import organizations_acting_in

PAGE_SIZE = 20
THREADS_PER_PAGE = 30


def area_topics(request: HttpRequest, code: str) -> HttpResponse:
    """The topics that concern a place, newest period first, with how many comments each has."""
    area = get_object_or_404(Area, code=code)
    topics = (
        Topic.objects.visible_to(request.user)
        .concerning(area)
        .select_related("area", "organization")
        .annotate(comment_count=Count("comments", filter=Q(comments__hidden_at__isnull=True)))
        .order_by("-opens_on", "-pk")
    )
    return render(
        request,
        "deliberation/topic_list.html",
        {
            "area": area,
            "ancestors": Area.objects.above(area, include_self=False),
            "page": Paginator(topics, PAGE_SIZE).get_page(request.GET.get("page")),
            "may_create": bool(organizations_acting_in(request.user, area)),
        },
    )


@login_required
def topic_create(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(Area, code=code)
    organizations = organizations_acting_in(request.user, area)
    if not organizations:
        raise PermissionDenied
    today = timezone.localdate()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    form = TopicForm(
        request.POST or None,
        organizations=organizations,
        initial={"opens_on": today, "closes_on": next_month - datetime.timedelta(days=1)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.open_topic(area=area, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("organization", str(error))
        else:
            messages.success(request, _("The topic is open for residents' comments."))
            return redirect(topic)
    return render(
        request,
        "deliberation/topic_form.html",
        {"form": form, "area": area, "ancestors": Area.objects.above(area, include_self=False)},
        status=400 if form.errors else 200,
    )


def _fetch(request, pk: int) -> Topic:
    return get_object_or_404(
        Topic.objects.visible_to(request.user).select_related("area", "organization", "issue"),
        pk=pk,
    )


def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _topic_page(request, _fetch(request, pk))


def _topic_page(
    request,
    topic: Topic,
    *,
    bound: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The topic, its threads a page at a time, and the forms this person may use; a comment or
    reply form that was refused comes back in its place with its errors. A hidden comment's text
    is read by its author and the moderators only (as `deliberation.read_hidden_comment`);
    everyone else reads the moderator's reason."""
    user = request.user
    can_moderate = user.has_perm("deliberation.manage_topic", topic)
    can_comment = user.has_perm("deliberation.comment_on_topic", topic)
    speaks_for = _speaks_for(user, topic) if can_comment else None
    bound_parent = bound.data.get("parent") if bound is not None else None
    replies = TopicComment.objects.select_related("author", "organization").order_by(
        "created_at", "pk"
    )
    threads = Paginator(
        TopicComment.objects.filter(topic=topic, parent=None)
        .select_related("author", "organization")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk"),
        THREADS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    for thread in threads:
        for comment in (thread, *thread.replies.all()):
            comment.readable = not comment.is_hidden or can_moderate or comment.author_id == user.pk
            if can_moderate and not comment.is_hidden:
                comment.hide_form = HideCommentForm(auto_id=f"hide-{comment.pk}-%s")
        if can_comment and not thread.is_hidden:
            thread.reply_form = (
                bound
                if bound_parent == str(thread.pk)
                else CommentForm(
                    organization=speaks_for,
                    reply=True,
                    initial={"parent": thread.pk},
                    auto_id=f"reply-{thread.pk}-%s",
                )
            )
    context = {
        "topic": topic,
        "area": topic.area,
        "ancestors": Area.objects.above(topic.area, include_self=False),
        "threads": threads,
        "can_comment": can_comment,
        "can_moderate": can_moderate,
        "lives_here": reach.lives_in(user, topic.area),
        "polls": Poll.objects.visible_to(user).filter(topic=topic).order_by("opens_at"),
        "comment_form": bound
        if bound is not None and not bound_parent
        else CommentForm(organization=speaks_for),
    }
    if can_moderate:
        context["summary_form"] = SummaryForm(initial={"summary": topic.summary})
        context["issue_form"] = TopicIssueForm()
    return render(request, "deliberation/topic_detail.html", context, status=status)


def _speaks_for(user, topic: Topic):
    """The topic's organisation, when the user may answer for it."""
    if user.has_perm("deliberation.speak_for_organization", topic.organization):
        return topic.organization
    return None


@login_required
@require_POST
def topic_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment, or a reply when the form names the comment it answers."""
    topic = _fetch(request, pk)
    replying = request.POST.get("parent", "").isdecimal()
    form = CommentForm(
        request.POST,
        organization=_speaks_for(request.user, topic),
        reply=replying,
        auto_id=f"reply-{request.POST['parent']}-%s" if replying else "id_%s",
    )
    if not form.is_valid():
        return _topic_page(request, topic, bound=form, status=400)
    parent = None
    if form.cleaned_data["parent"]:
        parent = get_object_or_404(TopicComment, topic=topic, pk=form.cleaned_data["parent"])
    try:
        comment = services.post_comment(
            topic=topic,
            author=request.user,
            body=form.cleaned_data["body"],
            parent=parent,
            for_organization=form.cleaned_data.get("for_organization", False),
            submission_key=form.cleaned_data["submission_key"],
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _topic_page(request, topic, status=403)
    except ValidationError as error:
        add_service_errors(form, error)
        return _topic_page(request, topic, bound=form, status=400)
    messages.success(request, _("Thank you, your comment is posted."))
    return redirect(f"{topic.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_POST
def comment_hide(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    topic = _fetch(request, pk)
    comment = get_object_or_404(TopicComment, topic=topic, pk=comment_pk)
    form = HideCommentForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _topic_page(request, topic, status=400)
    try:
        services.hide_comment(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _topic_page(request, topic, status=403)
    except ValidationError as error:
        errors_to_messages(request, error)
        return _topic_page(request, topic, status=400)
    messages.success(request, _("The comment is hidden; its author is told why."))
    return redirect(f"{topic.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_POST
def topic_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Post the summary: the topic closes for comments and everyone who took part is told."""
    topic = _fetch(request, pk)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _topic_page(request, topic, status=400)
    try:
        services.close_topic(topic=topic, by=request.user, summary=form.cleaned_data["summary"])
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _topic_page(request, topic, status=403)
    except ValidationError as error:
        errors_to_messages(request, error)
        return _topic_page(request, topic, status=400)
    messages.success(request, _("The summary is posted and the topic is closed."))
    return redirect(topic)


@login_required
@require_POST
def topic_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn the closed topic into a residents' issue, recorded by this member of staff."""
    topic = _fetch(request, pk)
    form = TopicIssueForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _topic_page(request, topic, status=400)
    try:
        issue = services.turn_topic_into_issue(
            topic=topic, by=request.user, category=form.cleaned_data["category"]
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _topic_page(request, topic, status=403)
    except ValidationError as error:
        errors_to_messages(request, error)
        return _topic_page(request, topic, status=400)
    messages.success(request, _("The topic is now a residents' issue; follow it here."))
    return redirect(reverse("deliberation:issue_detail", args=[issue.pk]))
