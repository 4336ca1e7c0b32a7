from django.urls import path

from courses import views

app_name = "learn"

urlpatterns = [
    path("", views.my_learning, name="dashboard"),
    path("courses/<id:course_id>/enrol/", views.enrol, name="enrol"),
    path("lessons/<id:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
]
