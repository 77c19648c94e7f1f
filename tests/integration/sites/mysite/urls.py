from django.urls import path

from mysite import views

urlpatterns = [path("whoami/", views.whoami)]
