"""WSGI script of project-3: assigns its settings module (no environ leak), TIME_ZONE Asia/Tokyo.

Django then sets os.environ["TZ"] and calls time.tzset(): process-wide, whatever sub
interpreter does it.
"""

import os
import sys

CODE_BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if CODE_BASE not in sys.path:
    sys.path.insert(0, CODE_BASE)

os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings_three"

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings, as Django needs

application = get_wsgi_application()

import wsgi_endpoint  # noqa: E402 - wraps the application made above

application = wsgi_endpoint.wrap(application, label="project-3")
