"""One Django code base served as two instances (settings / settings_two) by the Apache tests."""
