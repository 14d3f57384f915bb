"""SOW API: clause library, SOW documents and sections, check, preview, freeze, versions and
redlines. Input serializer → service → output serializer."""


from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from common.api import if_match_version
from common.inputs import parse_id
from engagement import selectors as engagement_selectors
from sow import downloads, selectors, services
from sow.filtersets import ClauseFilter, SowFilter
from sow.models import RenderJob, SowSection
from sow.redline import redline
from sow.services import pdf as pdf_services

from .serializers import (
    CheckSerializer,
    ClauseSerializer,
    ClauseVersionSerializer,
    FreezeSerializer,
    ImportSerializer,
    PreviewSerializer,
    RenderJobSerializer,
    ReplaceSectionSerializer,
    SectionAddSerializer,
    SectionSerializer,
    SowCreateSerializer,
    SowSerializer,
    SowVersionSerializer,
)


class ClauseViewSet(viewsets.ReadOnlyModelViewSet):
    """The clause library: the shared starter clauses and your organisation's own."""

    serializer_class = ClauseSerializer
    filterset_class = ClauseFilter

    def get_queryset(self):
        return selectors.library(user=self.request.user)

    @extend_schema(request=ClauseVersionSerializer, responses={200: ClauseVersionSerializer(
        many=True), 201: ClauseVersionSerializer})
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, pk=None):
        clause = self.get_object()
        if request.method == "POST":
            data = ClauseVersionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            version = services.clause_version_create(
                actor=request.user, clause=clause, body=data.validated_data["body"],
                guidance=data.validated_data.get("guidance", ""))
            return Response(ClauseVersionSerializer(version).data, status=status.HTTP_201_CREATED)
        return Response(ClauseVersionSerializer(
            selectors.clause_versions(user=request.user, clause=clause), many=True).data)


class SowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SOW documents of the engagements you can see."""

    serializer_class = SowSerializer
    filterset_class = SowFilter

    def get_queryset(self):
        return selectors.sows_visible(user=self.request.user).prefetch_related(
            Prefetch("sections", queryset=SowSection.objects.select_related(
                "clause_version__clause")))

    def _expected(self, request, data):
        return data.get("version") or if_match_version(request)

    @extend_schema(request=SowCreateSerializer, responses={201: SowSerializer})
    def create(self, request):
        data = SowCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = engagement_selectors.engagement_get(user=request.user,
                                                         pk=data.validated_data["engagement"])
        sow = services.sow_create(actor=request.user, engagement=engagement,
                                  title=data.validated_data["title"])
        return Response(SowSerializer(self.get_queryset().get(pk=sow.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=SectionAddSerializer, responses={200: SectionSerializer(many=True),
                                                           201: SectionSerializer})
    @action(detail=True, methods=["get", "post"])
    def sections(self, request, pk=None):
        sow = self.get_object()
        if request.method == "POST":
            data = SectionAddSerializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            section = services.sow_section_add(
                actor=request.user, sow=sow, clause_version=data.validated_data.get(
                    "clause_version"), schedule=data.validated_data["schedule"],
                placement=data.validated_data["placement"],
                expected_version=self._expected(request, data.validated_data))
            return Response(SectionSerializer(SowSection.objects.select_related(
                "clause_version__clause").get(pk=section.pk)).data,
                status=status.HTTP_201_CREATED)
        return Response(SectionSerializer(selectors.sow_sections(sow=sow), many=True).data)

    @extend_schema(responses={200: CheckSerializer})
    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        """The SOW check: each finding with its rule, severity, section, the quoted phrase
        (offsets into the section's text), its source (text, plan or library) and its fix."""
        sow = self.get_object()
        _, findings, score = services.sow_evaluate(sow, selectors.sow_sections(sow=sow))
        return Response({"score": score, "findings": [f.as_dict() for f in findings]})

    @extend_schema(request={"multipart/form-data": ImportSerializer,
                            "application/json": ImportSerializer},
                   responses={201: SowSerializer})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser, FormParser, JSONParser])
    def import_sow(self, request):
        """Import a vendor's SOW (multipart `file`, or `text`) into an engagement as a new SOW
        of its own sections. Bad input is a 400 naming the problem, and nothing is written."""
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = engagement_selectors.engagement_get(user=request.user,
                                                         pk=data.validated_data["engagement"])
        sow = services.sow_import_submitted(
            actor=request.user, engagement=engagement, upload=data.validated_data.get("file"),
            text=data.validated_data.get("text", ""), title=data.validated_data["title"])
        return Response(SowSerializer(self.get_queryset().get(pk=sow.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplaceSectionSerializer, responses={200: SectionSerializer})
    @action(detail=True, methods=["post"], url_path="replace-section")
    def replace_section(self, request, pk=None):
        """Put a library clause in a section's place (the fix for a section that contradicts
        it); the replaced text is kept in the audit log."""
        sow = self.get_object()
        data = ReplaceSectionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        section = get_object_or_404(SowSection.objects.select_related("clause_version__clause"),
                                    sow=sow, pk=data.validated_data["section"])
        services.sow_section_replace(actor=request.user, section=section,
                                     clause_version=data.validated_data["clause_version"],
                                     expected_version=self._expected(request,
                                                                     data.validated_data))
        return Response(SectionSerializer(SowSection.objects.select_related(
            "clause_version__clause").get(pk=section.pk)).data)

    @extend_schema(request=FreezeSerializer, responses={201: SowVersionSerializer})
    @action(detail=True, methods=["post"])
    def freeze(self, request, pk=None):
        sow = self.get_object()
        data = FreezeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.sow_freeze(actor=request.user, sow=sow,
                                      justification=data.validated_data["justification"],
                                      acknowledge_warnings=(
                                          data.validated_data["acknowledged"]
                                          if data.validated_data["acknowledge_warnings"]
                                          and "acknowledged" in data.validated_data
                                          else data.validated_data["acknowledge_warnings"]),
                                      expected_version=self._expected(request,
                                                                      data.validated_data))
        return Response(SowVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PreviewSerializer, responses={200: {"type": "object", "properties": {
        "html": {"type": "string"}}}})
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        sow = self.get_object()
        data = PreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"html": services.sow_preview(actor=request.user, sow=sow,
                                                      body=data.validated_data["body"])})


class RenderJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contract PDF render jobs."""

    serializer_class = RenderJobSerializer

    def get_queryset(self):
        return RenderJob.objects.filter(sow_version__in=selectors.versions_visible(
            user=self.request.user).values("pk"))


class SowVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Frozen SOW versions: read-only by every path."""

    serializer_class = SowVersionSerializer

    def get_queryset(self):
        return selectors.versions_visible(user=self.request.user)

    @extend_schema(parameters=[OpenApiParameter("against", int, required=True,
                                                description="The other version's id.")])
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        version = self.get_object()
        against_id = parse_id(request.query_params.get("against", ""))
        if against_id is None:
            raise ValidationError({"against": ["Give the id of the version to compare with."]})
        other = get_object_or_404(self.get_queryset(), pk=against_id)
        old, new = sorted([other, version], key=lambda v: (v.sow_id, v.number))
        return Response({"from": old.pk, "to": new.pk, "sections": redline(old.source,
                                                                           new.source)})


    @extend_schema(request=None, responses={200: RenderJobSerializer, 202: RenderJobSerializer})
    @action(detail=True, methods=["post"])
    def render(self, request, pk=None):
        """Start (or join) the PDF render: 202 while it works, 200 when the PDF is ready."""
        job, _ = pdf_services.render_request(actor=request.user, version=self.get_object())
        job.refresh_from_db()
        code = status.HTTP_200_OK if job.status == "succeeded" else status.HTTP_202_ACCEPTED
        return Response(RenderJobSerializer(job).data, status=code)

    @extend_schema(responses={(200, "application/pdf"): bytes, 409: None})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        download = downloads.ready_job(user=request.user, pk=parse_id(pk) or 0)
        if download is None:
            # Not visible (404) or no finished PDF yet (409 naming the rule), or just finished.
            job, _ = pdf_services.verified_pdf(version=self.get_object())
            download = downloads.from_job(job)
        return downloads.response(download, user=request.user)
