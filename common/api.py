"""API plumbing: optimistic concurrency through ETag / If-Match."""

from rest_framework.response import Response

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
