"""A third WSGI script: project-1's code with the probe endpoint protected by a token file.

The test writes the token into ``probe-token`` next to this file before Apache starts.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CODE_BASE = os.path.dirname(HERE)
if CODE_BASE not in sys.path:
    sys.path.insert(0, CODE_BASE)

os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings, as Django needs

application = get_wsgi_application()

import wsgi_endpoint  # noqa: E402 - wraps the application made above

application = wsgi_endpoint.wrap(
    application, label="project-token", token_file=os.path.join(HERE, "probe-token"))
