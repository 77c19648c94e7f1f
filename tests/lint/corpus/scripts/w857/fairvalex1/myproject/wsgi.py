import os
import sys

from django.core.wsgi import get_wsgi_application

# the project's own directory; both sites call their project "myproject"
sys.path.append("/srv/websites/fairvalex1")

os.environ["DJANGO_SETTINGS_MODULE"] = "myproject.settings"

application = get_wsgi_application()
