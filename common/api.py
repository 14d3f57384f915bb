"""API plumbing: optimistic concurrency through ETag / If-Match, and a rules permission class."""

import rules
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from .errors import NotAllowed
from .inputs import parse_id


def if_match_version(request):
    """The version a client read, from `If-Match: "3"` (weak or strong ETag)."""
    return parse_id(request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"'))


class VersionedMixin:
    """Viewsets whose objects carry a `version`: answers carry it as the ETag, and a write names
    the version it read in the body (`version`) or in `If-Match`."""

    def expected_version(self, data):
        return data.pop("version", None) or if_match_version(self.request)

    def versioned(self, data, version, status=200):
        response = Response(data, status=status)
        response["ETag"] = f'"{version}"'
        return response


class RulesPermission(BasePermission):
    """DRF asks the permission source (django-rules) what a view declares in
    `action_permissions` ({action: permission name}); object actions are checked against the
    object. Refusals are domain errors, so the body names the rule like every other refusal."""

    def _perm(self, view):
        return getattr(view, "action_permissions", {}).get(getattr(view, "action", None))

    def has_permission(self, request, view):
        perm = self._perm(view)
        if perm and not getattr(view, "detail_permission", False) and view.action in (
                "create", "list"):
            if not rules.has_perm(perm, request.user, None):
                raise NotAllowed("You may not do this.", rule="role")
        return True

    def has_object_permission(self, request, view, obj):
        perm = self._perm(view)
        if perm and not rules.has_perm(perm, request.user, obj):
            raise NotAllowed("You may not do this.", rule="role")
        return True
