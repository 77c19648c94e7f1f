SECRET_KEY = "x"
ROOT_URLCONF = "minv_instance.urls"
