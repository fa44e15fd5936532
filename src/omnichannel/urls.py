from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.static import serve

from omnichannel.api.main import api, redoc_view
from omnichannel.channels.views import receive_push

admin.site.site_header = "Omnichannel"
admin.site.site_title = "Omnichannel admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/redoc", redoc_view, name="redoc"),
    path("api/", api.urls),
    path("hooks/<str:channel>/<int:app_id>", receive_push, name="channel-push"),
]
if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
