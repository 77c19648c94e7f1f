import os
if "DJANGO_SETTINGS_MODULE" not in os.environ:
    os.environ["DJANGO_SETTINGS_MODULE"] = "wiki.settings"
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
