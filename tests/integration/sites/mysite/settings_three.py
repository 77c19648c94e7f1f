"""Settings of a third instance (project-3): another time zone (issue 11, "tzleak")."""

from mysite.settings_two import *  # noqa: F403 - the same site, one setting changed

TIME_ZONE = "Asia/Tokyo"
INSTANCE_NAME = "three"
