from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.static import serve

from omnichannel.api.main import api, redoc_view
from omnichannel.channels.views import receive_push

admin.site.site_header = "Omnichannel"
admin.site.site_title = "Omnichannel admin"

# Django tries the patterns in order and, for each that does not match, lists what it
# tried: the API first, so that its requests skip the admin's hundreds of patterns (a
# twentieth of a manual order's CPU in the web process went on listing them).
urlpatterns = [
    path("api/redoc", redoc_view, name="redoc"),
    path("api/", api.urls),
    path("hooks/<str:channel>/<int:app_id>", receive_push, name="channel-push"),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
