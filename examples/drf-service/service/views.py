from rest_framework.decorators import api_view
from rest_framework.response import Response


@api_view(["GET"])
def whoami(request):
    """Who the access token speaks for, read from its claims alone."""
    token = request.auth
    return Response({"user_id": token["user_id"], "username": token["username"], "session": token["sid"]})
