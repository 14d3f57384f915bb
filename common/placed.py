"""Messages placed where the action happened.

A view that answers a plain (non-htmx) post with a redirect tags its message
`at:<anchor>` (`at:c-12`, `at:section-4`); the page it lands on shows the message inside
that element, and base.html leaves placed messages out of the top of the page."""

from django.contrib.messages import get_messages


def place(anchor):
    """The extra_tags that place a message at the element with this id."""
    return f"at:{anchor}"


def placed_messages(request, prefix=""):
    """{anchor: [messages]} of the request's placed messages whose anchor starts with
    `prefix`, without their prefix. Reading them marks them shown, like any message."""
    placed = {}
    for message in get_messages(request):
        for tag in message.extra_tags.split():
            if tag.startswith("at:" + prefix):
                placed.setdefault(tag.removeprefix("at:" + prefix), []).append(message)
    return placed
