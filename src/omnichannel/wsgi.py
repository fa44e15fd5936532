import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnichannel.settings")
application = get_wsgi_application()

# Channel pushes skip the site's middleware (see channels/receiver.py); imported once the
# apps are loaded.
from omnichannel.channels.receiver import with_push_receiver  # noqa: E402

application = with_push_receiver(application)
