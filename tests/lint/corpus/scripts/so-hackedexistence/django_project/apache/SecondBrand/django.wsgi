import os
import sys
sys.path.append("/srv/django_project")
os.environ["OVERLOAD_SITE"] = "secondbrand"
os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
