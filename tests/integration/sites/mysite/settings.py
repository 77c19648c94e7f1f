"""Settings of the first instance (project-1). No database: the tests only need routing."""

SECRET_KEY = "dummy-wsgi-probe-test-key-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
DATABASES: dict[str, dict[str, str]] = {}
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
USE_TZ = True
INSTANCE_NAME = "one"
