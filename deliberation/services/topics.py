"""Writes to the online deliberation hall (网上议事厅): topics, comments, moderation, summaries,
and what a topic becomes afterwards (a residents' issue, a poll)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from communities.models import Area, Notification, Organization, User
from communities.rules import require
from communities.services import notify, notify_many
from deliberation.models import Category, Issue, Topic, TopicComment
from deliberation.services.issues import submit_issue

MIN_COMMENT_LENGTH = 2
# Issues recorded from topics get a submission key derived from the topic, so pressing the
# button twice (or two moderators at once) records one issue.
TOPIC_ISSUE_NAMESPACE = uuid.UUID("6d1f7c2e-3f0b-4f4e-9a57-2b8f0c6a9e11")


@transaction.atomic
def open_topic(
    *,
    organization: Organization,
    area: Area,
    title: str,
    question: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    by: User,
    background: str = "",
    submission_key: uuid.UUID | None = None,
) -> Topic:
    """An organisation acting in the area puts a question to its residents for a period (a
    month, usually). The period ends on or after the day it starts, and not in the past. The
    same submission key gives back the topic the first submission made."""
    if submission_key is not None:
        existing = Topic.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    if not by.has_perm("deliberation.speak_for_organization", organization):
        raise PermissionDenied(
            _("Only members of %(name)s can open topics for it.") % {"name": organization}
        )
    if not organization.reaches(area):
        raise ValidationError(
            {"area": _("%(name)s does not serve this place.") % {"name": organization.name}}
        )
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the topic a title.")
    if not question.strip():
        errors["question"] = _("Say what residents are asked.")
    if closes_on < opens_on:
        errors["closes_on"] = _("A topic must end on or after the day it opens.")
    elif closes_on < timezone.localdate():
        errors["closes_on"] = _("A topic cannot end in the past.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Topic.objects.create(
                organization=organization,
                area=area,
                title=title.strip(),
                question=question.strip(),
                background=background.strip(),
                opens_on=opens_on,
                closes_on=closes_on,
                created_by=by,
                created_at=timezone.now(),
                submission_key=submission_key or uuid.uuid4(),
            )
    except IntegrityError:
        return Topic.objects.get(submission_key=submission_key)


@transaction.atomic
def post_comment(
    *,
    topic: Topic,
    author: User,
    body: str,
    submission_key: uuid.UUID,
    parent: TopicComment | None = None,
    for_organization: bool = False,
) -> TopicComment:
    """A verified resident under the topic's area (or someone running the topic) comments or
    replies while the topic is open. Replies are one level deep: a reply to a reply joins the
    thread of the comment it answers. Plain text of 2 to 1,000 characters. The same submission
    key gives back the comment the first tap made. The author of the comment answered is told."""
    existing = TopicComment.objects.filter(submission_key=submission_key).first()
    if existing:
        return existing
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("area", "organization")
        .get(pk=topic.pk)
    )
    _check_open_for_comments(topic)
    if not author.has_perm("deliberation.comment_on_topic", topic):
        raise PermissionDenied(
            _("Only verified residents of %(place)s can take part in this topic.")
            % {"place": topic.area.name}
        )
    text = body.strip()
    if len(text) < MIN_COMMENT_LENGTH:
        raise ValidationError({"body": _("Write a few words.")})
    if len(text) > TopicComment.MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("Keep it under %(count)s characters; this is %(length)s.")
                % {"count": TopicComment.MAX_LENGTH, "length": len(text)}
            }
        )
    if parent is not None:
        # Read afresh: the comment may have been hidden since the page was shown.
        parent = (
            TopicComment.objects.select_related("parent__author", "author")
            .filter(pk=parent.pk, topic=topic)
            .first()
        )
        if parent is None:
            raise ValidationError({"parent": _("Reply to a comment on this topic.")})
        parent = parent.parent or parent
        if parent.is_hidden:
            raise ValidationError({"parent": _("This comment was hidden; it takes no replies.")})
    organization = None
    if for_organization:
        require(author, "deliberation.speak_for_organization", topic.organization)
        organization = topic.organization
    try:
        with transaction.atomic():
            comment = TopicComment.objects.create(
                topic=topic,
                parent=parent,
                author=author,
                organization=organization,
                body=text,
                created_at=timezone.now(),
                submission_key=submission_key,
            )
    except IntegrityError:
        return TopicComment.objects.get(submission_key=submission_key)
    if parent is not None and parent.author_id and parent.author_id != author.pk:
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                user=parent.author,
                key=f"topic-comment-{comment.pk}-reply",
                title=_("A reply to your comment on “%(title)s”") % {"title": topic.title},
                body=text,
                url=comment.get_absolute_url(),
                kind=Notification.Kind.TOPIC,
            )
    return comment


def _check_open_for_comments(topic: Topic) -> None:
    phase = topic.phase
    if phase == Topic.Phase.UPCOMING:
        raise ValidationError(
            _("This topic opens on %(day)s.") % {"day": _day(topic.opens_on)}, code="not_open"
        )
    if phase != Topic.Phase.OPEN:
        raise ValidationError(
            _("Comments on this topic are closed."),
            code="closed",
        )


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@transaction.atomic
def hide_comment(*, comment: TopicComment, by: User, reason: str) -> TopicComment:
    """A moderator hides a comment, saying why: everyone sees the reason in its place; the
    author and the moderators can still read it; the author is told. Hiding a hidden comment
    changes nothing."""
    comment = (
        TopicComment.objects.select_for_update(of=("self",))
        .select_related("topic__area", "author")
        .get(pk=comment.pk)
    )
    require(by, "deliberation.manage_topic", comment.topic)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the comment is hidden; its author is told.")})
    max_length = TopicComment._meta.get_field("hidden_reason").max_length
    if len(reason) > max_length:
        raise ValidationError(
            {"reason": _("Keep the reason under %(count)s characters.") % {"count": max_length}}
        )
    if comment.is_hidden:
        return comment
    comment.hidden_at = timezone.now()
    comment.hidden_by = by
    comment.hidden_reason = reason
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if comment.author is not None and comment.author_id != by.pk:
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                user=comment.author,
                key=f"topic-comment-{comment.pk}-hidden",
                title=_("Your comment on “%(title)s” was hidden") % {"title": comment.topic.title},
                body=_("The moderator's reason: %(reason)s") % {"reason": reason},
                url=comment.get_absolute_url(),
                kind=Notification.Kind.TOPIC,
            )
    return comment


@transaction.atomic
def close_topic(*, topic: Topic, by: User, summary: str) -> Topic:
    """Whoever runs the topic closes it with a summary of what residents said; comments end
    there, even before the period is over. Posting again replaces the summary. Everyone who
    commented is told once."""
    topic = Topic.objects.select_for_update(of=("self",)).select_related("area").get(pk=topic.pk)
    require(by, "deliberation.manage_topic", topic)
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("Write what residents said and what comes next.")})
    max_length = Topic._meta.get_field("summary").max_length
    if len(summary) > max_length:
        raise ValidationError(
            {"summary": _("Keep the summary under %(count)s characters.") % {"count": max_length}}
        )
    if topic.phase == Topic.Phase.UPCOMING:
        raise ValidationError(_("This topic has not opened yet."), code="not_open")
    first_time = topic.closed_at is None
    topic.summary = summary
    if first_time:
        topic.closed_at = timezone.now()
        topic.closed_by = by
    topic.save(update_fields=["summary", "closed_at", "closed_by"])
    if first_time:
        with translation.override(settings.LANGUAGE_CODE):
            notify_many(
                user_ids=list(
                    topic.comments.exclude(author=None)
                    .exclude(author=by)
                    .values_list("author_id", flat=True)
                    .order_by()
                    .distinct()
                ),
                key=f"topic-{topic.pk}-summary",
                title=_("The summary of “%(title)s” is posted") % {"title": topic.title},
                body=summary,
                url=topic.get_absolute_url(),
                kind=Notification.Kind.TOPIC,
            )
    return topic


@transaction.atomic
def turn_topic_into_issue(
    *, topic: Topic, by: User, category: Category, title: str = "", description: str = ""
) -> Issue:
    """After the summary, the topic becomes a residents' issue of its area, recorded by the
    staff member (channel "online"): the issue's own life (accept, assign, resolve) follows.
    A topic becomes one issue: pressing again gives back the same one."""
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("area", "issue")
        .get(pk=topic.pk)
    )
    require(by, "deliberation.manage_topic", topic)
    if topic.issue is not None:
        return topic.issue
    if topic.closed_at is None:
        raise ValidationError(_("Post the summary first: the issue is recorded from it."))
    issue = submit_issue(
        title=(title.strip() or topic.title)[: Issue._meta.get_field("title").max_length],
        description=(description.strip() or topic.summary)[:2000],
        category=category,
        area=topic.area,
        reporter=None,
        recorded_by=by,
        channel=Issue.Channel.ONLINE,
        submission_key=uuid.uuid5(TOPIC_ISSUE_NAMESPACE, f"topic-{topic.pk}"),
    )
    topic.issue = issue
    topic.save(update_fields=["issue"])
    return issue


@transaction.atomic
def forget_commenter(*, user: User) -> int:
    """The online deliberation hall's part of an erasure: the person's comments stay in the
    discussion (others replied to them) but no longer point at the account, so the page says
    "a former resident". Returns how many comments were detached."""
    return TopicComment.objects.filter(author=user).update(author=None)
