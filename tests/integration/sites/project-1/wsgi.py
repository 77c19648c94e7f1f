"""WSGI script of project-1, in the Django 1.4+ style the mod_wsgi blog post blames.

``setdefault`` keeps a DJANGO_SETTINGS_MODULE already in the process environment, e.g. one
put there by another sub interpreter of the same embedded-mode process.
"""

import os
import sys

CODE_BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if CODE_BASE not in sys.path:
    sys.path.insert(0, CODE_BASE)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings, as Django needs

application = get_wsgi_application()

import wsgi_endpoint  # noqa: E402 - wraps the application made above

application = wsgi_endpoint.wrap(application, label="project-1")
