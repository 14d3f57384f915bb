"""API plumbing: optimistic concurrency through ETag / If-Match."""

from rest_framework.response import Response

from .errors import PreconditionRequired
from .inputs import parse_id


def if_match_version(request):
    """The version a client read, from `If-Match: "3"` (weak or strong ETag)."""
    return parse_id(request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"'))


class VersionedMixin:
    """Viewsets whose objects carry a `version`: answers carry it as the ETag, and a write names
    the version it read in the body (`version`) or in `If-Match`."""

    def expected_version(self, data, *, noun="resource"):
        """The version the client read; a write without one is refused (428), because two
        concurrent writers would otherwise both win and the first change be lost."""
        version = data.pop("version", None) or if_match_version(self.request)
        if version is None:
            raise PreconditionRequired(noun)
        return version

    def versioned(self, data, version, status=200):
        response = Response(data, status=status)
        response["ETag"] = f'"{version}"'
        return response
