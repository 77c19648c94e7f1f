import os
import sys

from django.core.wsgi import get_wsgi_application

sys.path.append("/srv/customer_portal")
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"

application = get_wsgi_application()
