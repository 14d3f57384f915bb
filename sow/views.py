"""SOW pages: list, editor, versions, redline, and the clause library. Thin: every write is a
service call; rendering and checking come from `sow_evaluate`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.errors import ConflictError, DomainError
from common.inputs import parse_id
from common.placed import placed_messages
from engagement import selectors as engagement_selectors
from engagement.services import keys_needed
from engagement.views import apply_domain_error

from . import selectors, services
from .checks import RULE_TITLES
from .context import VARIABLES
from .filtersets import ClauseFilter
from .forms import (
    ClauseCreateForm,
    ClauseVersionForm,
    FreezeForm,
    ImportForm,
    SectionEditForm,
    SignForm,
    SowCreateForm,
)
from .highlight import highlight
from .models import Category, Schedule, SowSection, SowVersion
from .redline import diff_words, redline
from .rendering import sha256
from .services import pdf as pdf_services


def _engagement_context(engagement, tab="sow"):
    return {"engagement": engagement, "tab": tab,
            "week": engagement.week_of(timezone.localdate())}


@login_required
def sow_list(request, pk):
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    form = SowCreateForm(request.POST or None)
    return _sow_list(request, engagement, form, ImportForm())


@login_required
@require_POST
def sow_import(request, pk):
    """Import a vendor's SOW (a file, or pasted text) as a new SOW, then open it checked."""
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            sow = services.sow_import_submitted(
                actor=request.user, engagement=engagement, upload=upload,
                text=form.cleaned_data["text"], title=form.cleaned_data["title"])
        except DomainError as exc:
            form.add_error("file" if upload else "text", exc.message)
        else:
            count = sow.sections.count()
            messages.success(request, f"Imported “{sow.title}”: {count} section"
                             f"{'s' if count != 1 else ''}, checked below."
                             + "".join(f" {n}" for n in sow.import_notes))
            return redirect(sow.get_absolute_url())
    return _sow_list(request, engagement, SowCreateForm(), form, status=400)


def _sow_list(request, engagement, form, import_form, status=200):
    if request.method == "POST" and form.is_valid():
        try:
            sow = services.sow_create(actor=request.user, engagement=engagement,
                                      **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"SOW “{sow.title}” created. Add clauses from the library.")
            return redirect(sow.get_absolute_url())
    sows = selectors.latest_versions_for(engagement=engagement)
    versions = {}
    for v in SowVersion.objects.filter(sow__in=sows).only(
            "id", "sow_id", "number", "status", "sha256", "created_at").order_by("number"):
        versions[v.sow_id] = v
    for s in sows:
        s.latest = versions.get(s.pk)
    return render(request, "sow/sow_list.html", {
        **_engagement_context(engagement), "sows": sows, "form": form,
        "import_form": import_form}, status=status)


def _mark_findings(rendered):
    """Each section's HTML with the phrases its findings quote marked (red flags, empty
    spots), linked both ways with the findings in the side panel."""
    for r in rendered:
        marks = [(f.quote, f"finding-mark mark-{f.severity}"
                  + (" empty-spot" if f.rule == "empty_data" else ""),
                  f"mark-{f.key}", f.message)
                 for f in sorted(r.findings, key=lambda f: f.start or 0) if f.quote]
        r.marked_html = highlight(r.html, marks) if marks else r.html


def _editor_context(request, sow, keep=None, freeze_error=None, justification="",
                    acknowledged=False):
    sections = selectors.sow_sections(sow=sow)
    rendered, findings, score = services.sow_evaluate(sow, sections)
    fixes = selectors.fix_clauses({f.fix_clause for f in findings if f.fix_clause},
                                  user=request.user)
    for f in findings:
        f.fix_version = fixes.get(f.fix_clause)
    _mark_findings(rendered)
    # Messages about one section are shown in that section (where the user acted), not at
    # the top of the page; base.html leaves them out.
    placed = placed_messages(request, "section-")
    for r in rendered:
        r.messages = placed.get(str(r.section.pk), [])
    present = {r.key for r in rendered}
    versions = selectors.sow_versions(sow=sow)
    return {
        **_engagement_context(sow.engagement), "sow": sow, "rendered": rendered,
        "findings": findings, "score": score, "present": present,
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "keep": keep or {}, "variables": VARIABLES, "schedules": Schedule.choices,
        "versions": versions, "freeze_form": FreezeForm(initial={"sow_version": sow.version}),
        "freeze_error": freeze_error, "justification": justification,
        "acknowledged": acknowledged,
    }


@login_required
def sow_editor(request, pk, sow_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    kept = request.session.pop(_kept_key(sow), {})
    return render(request, "sow/editor.html", _editor_context(
        request, sow, keep={int(k): v for k, v in kept.get("keep", {}).items()},
        freeze_error=kept.get("freeze_error"), justification=kept.get("justification", ""),
        acknowledged=kept.get("acknowledged", False)))


def _kept_key(sow):
    return f"sow-editor-kept-{sow.pk}"


def _back_keeping(request, sow, anchor="", **kept):
    """After a refused post, go back to the editor (a page you can reload) with what the user
    typed kept for one view."""
    request.session[_kept_key(sow)] = kept
    return _back(sow, anchor)


def _back(sow, anchor=""):
    return redirect(sow.get_absolute_url() + anchor)


def _version_from(request):
    return parse_id(request.POST.get("sow_version", ""))


@login_required
@require_POST
def section_add(request, pk, sow_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    clause_version = None
    if request.POST.get("clause_version"):
        version_id = parse_id(request.POST["clause_version"])
        if version_id is None:
            messages.error(request, "Choose a clause from the library.")
            return _back(sow)
        clause_version = selectors.clause_version_get(user=request.user, pk=version_id)
    try:
        section = services.sow_section_add(
            actor=request.user, sow=sow, clause_version=clause_version,
            schedule=request.POST.get("schedule", ""), expected_version=_version_from(request),
            placement="category" if request.POST.get("placement") == "category" else "end")
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(sow)
    messages.success(request, f"Added “{section.heading}” as section {section.position}.",
                     extra_tags=f"at:section-{section.pk}")
    return _back(sow, f"#section-{section.pk}")


@login_required
@require_POST
def section_edit(request, pk, sow_pk, section_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    section = get_object_or_404(SowSection.objects.select_related("clause_version"), sow=sow,
                                pk=section_pk)
    form = SectionEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The edit could not be read; try again.",
                     extra_tags=f"at:section-{section.pk}")
        return _back(sow, f"#section-{section.pk}")
    text = form.cleaned_data["override_body"]
    try:
        services.sow_section_edit(actor=request.user, section=section, override_body=text,
                                  expected_version=form.cleaned_data["sow_version"])
    except ConflictError as exc:
        messages.error(request, f"{exc.message} Your text for this section is kept below.",
                     extra_tags=f"at:section-{section.pk}")
        return _back_keeping(request, sow, f"#section-{section.pk}", keep={section.pk: text})
    except DomainError as exc:
        messages.error(request, exc.message,
                     extra_tags=f"at:section-{section.pk}")
        return _back_keeping(request, sow, f"#section-{section.pk}", keep={section.pk: text})
    messages.success(request, "Section text saved." if text.strip() else
                     "Section back to the library text.",
                     extra_tags=f"at:section-{section.pk}")
    return _back(sow, f"#section-{section.pk}")


@login_required
@require_POST
def section_replace(request, pk, sow_pk, section_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    section = get_object_or_404(SowSection.objects.select_related("clause_version__clause"),
                                sow=sow, pk=section_pk)
    version_id = parse_id(request.POST.get("clause_version", ""))
    if version_id is None:
        messages.error(request, "Choose the library clause to put in this section's place.",
                     extra_tags=f"at:section-{section.pk}")
        return _back(sow, f"#section-{section.pk}")
    clause_version = selectors.clause_version_get(user=request.user, pk=version_id)
    heading = section.heading
    try:
        services.sow_section_replace(actor=request.user, section=section,
                                     clause_version=clause_version,
                                     expected_version=_version_from(request))
    except DomainError as exc:
        messages.error(request, exc.message,
                     extra_tags=f"at:section-{section.pk}")
        return _back(sow, f"#section-{section.pk}")
    messages.success(request, f"“{heading}” replaced by “{clause_version.clause.title}”. The "
                     "replaced text is kept in the audit log.",
                     extra_tags=f"at:section-{section.pk}")
    return _back(sow, f"#section-{section.pk}")


@login_required
@require_POST
def section_move(request, pk, sow_pk, section_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    section = get_object_or_404(SowSection, sow=sow, pk=section_pk)
    try:
        if request.POST.get("direction") == "remove":
            services.sow_section_remove(actor=request.user, section=section,
                                        expected_version=_version_from(request))
            messages.success(request, "Section removed.",
                     extra_tags=f"at:section-{section.pk}")
            return _back(sow)
        services.sow_section_move(actor=request.user, section=section,
                                  direction=request.POST.get("direction", ""),
                                  expected_version=_version_from(request))
    except DomainError as exc:
        messages.error(request, exc.message,
                     extra_tags=f"at:section-{section.pk}")
    return _back(sow, f"#section-{section.pk}")


@login_required
@require_POST
def sow_reorder(request, pk, sow_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    order = [i for i in (parse_id(x) for x in request.POST.get("order", "").split(","))
             if i is not None]
    try:
        services.sow_reorder(actor=request.user, sow=sow, order=order,
                             expected_version=_version_from(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Sections reordered.")
    return _back(sow)


@login_required
@require_POST
def sow_freeze(request, pk, sow_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    form = FreezeForm(request.POST)
    form.is_valid()
    acknowledged = bool(form.cleaned_data.get("acknowledge_warnings"))
    # The warnings the page showed: one that appeared since is not acknowledged by this tick.
    keys = request.POST.getlist("acknowledged") if acknowledged else []
    try:
        version = services.sow_freeze(actor=request.user, sow=sow,
                                      justification=form.cleaned_data.get("justification", ""),
                                      acknowledge_warnings=keys if acknowledged else False,
                                      expected_version=form.cleaned_data.get("sow_version"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back_keeping(request, sow, "#freeze-h", freeze_error=exc.message,
                             justification=form.cleaned_data.get("justification", ""),
                             acknowledged=acknowledged)
    messages.success(request, f"Version {version.number} frozen (SHA-256 {version.short_hash}…).")
    return redirect("sow:version", pk=pk, sow_pk=sow.pk, number=version.number)


@login_required
@require_POST
def sow_preview(request, pk, sow_pk):
    """htmx live preview: the text rendered with the engagement's data, or its problems."""
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    body = request.POST.get("override_body", "")
    try:
        html = services.sow_preview(actor=request.user, sow=sow, body=body)
    except DomainError as exc:
        return render(request, "sow/_preview.html", {"problems": getattr(exc, "problems", []),
                                                     "message": exc.message})
    return render(request, "sow/_preview.html", {"html": html})


@login_required
def library_search(request, pk, sow_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    query = request.GET.get("q", "").strip()
    clauses = list(ClauseFilter(request.GET, queryset=selectors.library(user=request.user),
                                request=request).qs[:25])
    return render(request, "sow/_library_results.html", {"sow": sow, "clauses": clauses,
                                                         "query": query})


@login_required
def version_detail(request, pk, sow_pk, number):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    version = get_object_or_404(SowVersion.objects.select_related("author"), sow=sow,
                                number=number)
    from engagement.models import ApprovalRequest

    request_ = ApprovalRequest.objects.filter(
        subject_type="sow.sowversion", subject_id=str(version.pk)).exclude(
        status="cancelled").prefetch_related("approvals__user").select_related(
        "requested_by").order_by("-requested_at").first()
    keys = None
    if request_:
        current = request_.current_keys(request_.approvals.all())
        keys = {"request": request_, "slots": (current + [None, None])[:2]
                if request_.status == "open" else current,
                "needed": keys_needed(request_, current)}
    others = selectors.sow_versions(sow=sow)
    return render(request, "sow/version.html", {
        "html_intact": sha256(version.html.encode()) == version.sha256,
        "pdf_job": pdf_services.current_job(version),
        **_engagement_context(sow.engagement), "sow": sow, "version": version, "keys": keys,
        "others": others, "sign_form": SignForm(initial={"signed_on": timezone.localdate()}),
    })


@login_required
@require_POST
def version_action(request, pk, sow_pk, number):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    version = get_object_or_404(SowVersion, sow=sow, number=number)
    try:
        if request.POST.get("action") == "submit":
            services.sow_version_submit(actor=request.user, version=version)
            messages.success(request, "Sent for approval: two keys needed, one client-side.")
        elif request.POST.get("action") == "sign":
            form = SignForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Give the date and both signatories.")
            else:
                d = form.cleaned_data
                services.sow_version_sign(actor=request.user, version=version,
                                          signed_on=d["signed_on"], signatories=[
                                              {"side": "internal", "name": d["client_signatory"]},
                                              {"side": "vendor", "name": d["vendor_signatory"]}])
                messages.success(request, f"Version {version.number} recorded as signed.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sow:version", pk=pk, sow_pk=sow.pk, number=number)


@login_required
def sow_redline(request, pk, sow_pk):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    versions = list(SowVersion.objects.filter(sow=sow).defer("html").order_by("number"))
    if len(versions) < 2:
        messages.info(request, "Freeze at least two versions to compare them.")
        return _back(sow)
    by_number = {v.number: v for v in versions}
    a = by_number.get(parse_id(request.GET.get("a", str(versions[-2].number))))
    b = by_number.get(parse_id(request.GET.get("b", str(versions[-1].number))))
    if a is None or b is None:
        raise Http404("There is no such version of this SOW.")
    mode = "side" if request.GET.get("mode") == "side" else "inline"
    rows = redline(a.source, b.source)
    return render(request, "sow/redline.html", {
        **_engagement_context(sow.engagement), "sow": sow, "a": a, "b": b, "rows": rows,
        "mode": mode, "versions": versions,
        "changed": sum(r["status"] != "same" for r in rows),
    })


# --- Library ----------------------------------------------------------------------------

@login_required
def library(request):
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    clauses = list(ClauseFilter(request.GET, queryset=selectors.library(user=request.user),
                                request=request).qs)
    for c in clauses:
        c.resolves_titles = [RULE_TITLES.get(r, r) for r in c.resolves]
    groups = [{"category": c, "clauses": [x for x in clauses if x.category == c.value]}
              for c in Category if not category or c.value == category]
    return render(request, "sow/library.html", {
        "groups": [g for g in groups if g["clauses"]], "query": query, "category": category,
        "categories": Category.choices, "count": len(clauses),
        "form": ClauseCreateForm(user=request.user),
    })


@login_required
def clause_detail(request, key):
    clause = selectors.clause_get(user=request.user, key=key)
    versions = list(clause.versions.all())
    form = ClauseVersionForm(request.POST or None, initial={
        "body": versions[0].body if versions else "",
        "guidance": versions[0].guidance if versions else ""})
    if request.method == "POST" and form.is_valid():
        try:
            v = services.clause_version_create(actor=request.user, clause=clause,
                                               **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
            for p in getattr(exc, "problems", []):
                form.add_error("body", f"Line {p['line']}: {p['message']}" if p["line"]
                               else p["message"])
        else:
            messages.success(request, f"Version {v.number} saved as a draft. Publish it to "
                                      "make it available in SOWs.")
            return redirect("library:clause", key=key)
    diff = None
    if len(versions) >= 2:
        numbers = {v.number: v for v in versions}
        try:
            a = numbers[int(request.GET.get("a", versions[1].number))]
            b = numbers[int(request.GET.get("b", versions[0].number))]
        except (KeyError, ValueError):
            a, b = versions[1], versions[0]
        inline, _, _, changed = diff_words(a.body.replace("\n", " ¶ "),
                                           b.body.replace("\n", " ¶ "))
        diff = {"a": a, "b": b, "inline": inline, "changed": changed}
    return render(request, "sow/clause.html", {
        "clause": clause, "versions": versions, "form": form, "diff": diff,
        "usage": selectors.clause_usage(clause=clause, user=request.user),
        "variables": VARIABLES,
        "resolves_titles": [RULE_TITLES.get(r, r).lower() for r in clause.resolves],
    })


@login_required
@require_POST
def clause_version_status(request, key, number):
    clause = selectors.clause_get(user=request.user, key=key)
    version = get_object_or_404(selectors.clause_versions(user=request.user, clause=clause),
                                number=number)
    try:
        services.clause_version_set_status(actor=request.user, version=version,
                                           status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {number} is now {version.status}.")
    return redirect("library:clause", key=key)


@login_required
@require_POST
def clause_create(request):
    form = ClauseCreateForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            clause = services.clause_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Clause “{clause.title}” created as a draft.")
            return redirect("library:clause", key=clause.key)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("library:index"))

