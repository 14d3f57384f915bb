from django.urls import path

from . import views

app_name = "sow"

S = "<int:pk>/sows/<int:sow_pk>/"

urlpatterns = [
    path("<int:pk>/sows/", views.sow_list, name="list"),
    path("<int:pk>/sows/import/", views.sow_import, name="import"),
    path(S, views.sow_editor, name="editor"),
    path(S + "sections/", views.section_add, name="section_add"),
    path(S + "sections/<int:section_pk>/edit/", views.section_edit, name="section_edit"),
    path(S + "sections/<int:section_pk>/move/", views.section_move, name="section_move"),
    path(S + "sections/<int:section_pk>/replace/", views.section_replace,
         name="section_replace"),
    path(S + "reorder/", views.sow_reorder, name="reorder"),
    path(S + "freeze/", views.sow_freeze, name="freeze"),
    path(S + "preview/", views.sow_preview, name="preview"),
    path(S + "library/", views.library_search, name="library_search"),
    path(S + "versions/<int:number>/", views.version_detail, name="version"),
    path(S + "versions/<int:number>/action/", views.version_action, name="version_action"),
    path(S + "redline/", views.sow_redline, name="redline"),
]

from . import pdf_views  # noqa: E402

V = S + "versions/<int:number>/"
urlpatterns += [
    path(V + "pdf/generate/", pdf_views.pdf_generate, name="pdf_generate"),
    path(V + "pdf/status/", pdf_views.pdf_status, name="pdf_status"),
    path(V + "pdf/", pdf_views.pdf_download, name="pdf_download"),
    path(V + "pdf/thumbnail.png", pdf_views.pdf_thumbnail, name="pdf_thumbnail"),
]
