"""Every URL pattern of the project, found by walking the resolver, with arguments to fill it."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clubs.notifications import unsubscribe_token


def all_patterns(resolver=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += all_patterns(pattern, namespace)
        else:
            found.append((prefix + (pattern.name or f"<unnamed {pattern.pattern}>"), pattern))
    return found


def arguments(name: str, world) -> dict:
    """The keyword arguments that make a URL point at the world's objects."""
    club, meeting = world.club, world.meeting
    table = {
        "papers:paper": {"pk": world.paper.pk},
        "papers:paper-bibtex": {"pk": world.paper.pk},
        "papers:export": {"fmt": "json"},
        "papers:curriculum": {"slug": world.paper.placements.get().phase.curriculum.slug},
        "notes:status": {"paper_id": world.paper.pk},
        "notes:save": {"paper_id": world.paper.pk},
        "notes:section": {"paper_id": world.paper.pk, "key": "log"},
        "notes:export": {"fmt": "json"},
        "clubs:meeting": {"slug": club.slug, "pk": meeting.pk},
        "clubs:meeting-edit": {"slug": club.slug, "pk": meeting.pk},
        "clubs:meeting-delete": {"slug": club.slug, "pk": meeting.pk},
        "clubs:meeting-ics": {"slug": club.slug, "pk": meeting.pk},
        "clubs:rsvp": {"slug": club.slug, "pk": meeting.pk},
        "clubs:minutes": {"slug": club.slug, "pk": meeting.pk},
        "clubs:meeting-comment": {"slug": club.slug, "pk": meeting.pk},
        "clubs:voting-close": {"slug": club.slug, "pk": meeting.pk},
        "clubs:vote": {"slug": club.slug, "pk": world.proposal.pk},
        "clubs:proposal-withdraw": {"slug": club.slug, "pk": world.proposal.pk},
        "clubs:proposal-review": {"slug": club.slug, "pk": world.proposal.pk},
        "clubs:paper-discussion": {"slug": club.slug, "paper_id": world.paper.pk},
        "clubs:paper-comment": {"slug": club.slug, "pk": world.paper.pk},
        "clubs:comment-edit": {"slug": club.slug, "pk": world.comment.pk},
        "clubs:comment-delete": {"slug": club.slug, "pk": world.comment.pk},
        "clubs:comment-hide": {"slug": club.slug, "pk": world.comment.pk},
        "clubs:away-delete": {"pk": world.away.pk},
        "clubs:invitation-revoke": {"slug": club.slug, "pk": world.invitation.pk},
        "clubs:member-role": {"slug": club.slug, "pk": world.membership.pk},
        "clubs:member-remove": {"slug": club.slug, "pk": world.membership.pk},
        "clubs:join": {"token": world.invitation.token},
        "clubs:calendar-feed": {"token": world.feed.token},
        "clubs:unsubscribe": {"token": unsubscribe_token(world.membership, "digest")},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    }
    if name in table:
        return table[name]
    if name.startswith("clubs:") and name not in {
        "clubs:list",
        "clubs:create",
        "clubs:calendar",
        "clubs:notifications",
        "clubs:away",
    }:
        return {"slug": club.slug}
    return {}


def url_for(name: str, pattern: URLPattern, world) -> str | None:
    """The URL to request, or None for admin patterns that need an object id."""
    kwargs = arguments(name, world)
    try:
        return reverse(name, kwargs=kwargs) if kwargs else reverse(name)
    except Exception:
        return None
