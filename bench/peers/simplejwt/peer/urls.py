"""Every path of the tessera contract's endpoint table."""
from django.urls import path
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenRefreshView,
    TokenVerifyView,
)

from . import views

urlpatterns = [
    path("api/token/", views.LoginView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("api/token/blacklist/", TokenBlacklistView.as_view()),
    path("api/token/revoke/", views.revoke_token),
    path("api/token/revoke-all/", views.revoke_all_tokens),
    path("api/auth/login/", views.LoginView.as_view()),
    path("api/auth/refresh/", TokenRefreshView.as_view()),
    path("api/auth/logout/", views.LogoutView.as_view()),
    path("api/profile/", views.profile),
    path("api-token-auth/", views.LoginView.as_view()),
]
