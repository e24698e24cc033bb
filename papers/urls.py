from django.urls import path

from . import views

app_name = "papers"
urlpatterns = [
    path("", views.canon, name="canon"),
    path("curriculum/", views.curricula, name="curricula"),
    path("curriculum/<slug:slug>/", views.curriculum, name="curriculum"),
    path("export/<slug:fmt>/", views.export, name="export"),
    path("import/", views.import_list, name="import"),
    path("add/", views.add_paper, name="add"),
    path("<int:pk>/", views.paper_detail, name="paper"),
    path("<int:pk>/bibtex/", views.paper_bibtex, name="paper-bibtex"),
]
