import os
import sys

from django.core.wsgi import get_wsgi_application

sys.path.append("/srv/fuel_delivery")
os.environ["DJANGO_SETTINGS_MODULE"] = "fuel_delivery.settings"

application = get_wsgi_application()
