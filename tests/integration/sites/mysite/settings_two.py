"""Settings of the second instance (project-2): same code base, another settings module."""

SECRET_KEY = "dummy-wsgi-probe-test-key-two-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
DATABASES: dict[str, dict[str, str]] = {}
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
USE_TZ = True
INSTANCE_NAME = "two"
