from engagement.inputs import parse_id


def if_match_version(request):
    """The version a client read, from `If-Match: "3"` (weak or strong ETag)."""
    return parse_id(request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"'))
