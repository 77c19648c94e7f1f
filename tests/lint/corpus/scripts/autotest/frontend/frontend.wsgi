import os
import sys

sys.path.append("/srv/autotest")
os.environ["DJANGO_SETTINGS_MODULE"] = "frontend.settings"

import django.core.handlers.wsgi

_application = django.core.handlers.wsgi.WSGIHandler()


def application(environ, start_response):
    # The front end wants the whole path, mount included.
    environ["PATH_INFO"] = environ["SCRIPT_NAME"] + environ["PATH_INFO"]
    return _application(environ, start_response)
