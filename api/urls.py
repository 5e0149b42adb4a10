from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import pages, views

app_name = "api"

urlpatterns = [
    # The programme leader's page for keys (session login, like every page).
    path("nycklar/", pages.key_list, name="key-list"),
    path("nycklar/<int:pk>/aterkalla/", pages.key_revoke, name="key-revoke"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "v1/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("v1/programmes/", views.ProgrammeList.as_view(), name="programme-list"),
    path("v1/programmes/<int:pk>/", views.ProgrammeDetail.as_view(), name="programme-detail"),
    path("v1/programmes/<int:pk>/esf-summary/", views.EsfSummary.as_view(), name="programme-esf-summary"),
    path("v1/municipalities/", views.MunicipalityList.as_view(), name="municipality-list"),
    path("v1/municipalities/<int:pk>/", views.MunicipalityDetail.as_view(), name="municipality-detail"),
    path("v1/workplaces/", views.WorkplaceList.as_view(), name="workplace-list"),
    path("v1/workplaces/<int:pk>/", views.WorkplaceDetail.as_view(), name="workplace-detail"),
    path("v1/people/", views.PersonListUpsert.as_view(), name="person-list"),
    path("v1/people/<int:pk>/", views.PersonDetail.as_view(), name="person-detail"),
    path("v1/courses/", views.CourseList.as_view(), name="course-list"),
    path("v1/sessions/", views.SessionListCreate.as_view(), name="session-list"),
    path("v1/sessions/<int:pk>/", views.SessionDetail.as_view(), name="session-detail"),
    path("v1/sessions/<int:pk>/attendance/", views.SessionAttendance.as_view(), name="session-attendance"),
]
