"""
Views of the reference peer, written the way the seed documents write them:
SimpleJWT's own views for the token endpoints, and small hand-written views
for revoke / revoke-all (seed 002), logout (seed 000, answering 205) and the
profile (seed 004, flattened to the fields the contract lists).

The hand-written views keep the seeds' control flow (one try/except around
the whole body), answering with the bodies the contract names.
"""
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView


class UsernameClaimSerializer(TokenObtainPairSerializer):
    """Seed 004 puts the username into the token."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["username"] = user.username
        return token


class LoginView(TokenObtainPairView):
    serializer_class = UsernameClaimSerializer


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def revoke_token(request):
    # Seed 002: .get() and one broad except.
    try:
        RefreshToken(request.data.get("refresh")).blacklist()
        return Response({"message": "Token revoked successfully"})
    except Exception:
        return Response({"error": "Invalid token"}, status=status.HTTP_400_BAD_REQUEST)


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def revoke_all_tokens(request):
    # Seed 002: re-parse every outstanding token of the caller and blacklist it.
    try:
        for outstanding in OutstandingToken.objects.filter(user=request.user):
            RefreshToken(outstanding.token).blacklist()
        return Response({"message": "All tokens revoked successfully"})
    except Exception:
        return Response({"error": "Revocation failed"}, status=status.HTTP_400_BAD_REQUEST)


class LogoutView(APIView):
    # Seed 000: request.data["refresh"], 205 with no body on success.
    permission_classes = [IsAuthenticated]

    def post(self, request):
        try:
            RefreshToken(request.data["refresh"]).blacklist()
            return Response(status=status.HTTP_205_RESET_CONTENT)
        except Exception:
            return Response({"error": "Invalid token"}, status=status.HTTP_400_BAD_REQUEST)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def profile(request):
    user = request.user
    return Response(
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
        }
    )
