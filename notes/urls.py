from django.urls import path

from . import views

app_name = "notes"
urlpatterns = [
    path("", views.my_list, name="list"),
    path("export/<slug:fmt>/", views.export, name="export"),
    path("preview/", views.preview, name="preview"),
    path("paper/<int:paper_id>/status/", views.status, name="status"),
    path("paper/<int:paper_id>/", views.save, name="save"),
    path("paper/<int:paper_id>/notes/<slug:key>/", views.section, name="section"),
]
