def if_match_version(request):
    """The version a client read, from `If-Match: "3"` (weak or strong ETag)."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    return int(header) if header.isdigit() else None
