import os
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    body = "|".join([os.path.basename(__file__), str(environ.get("mod_wsgi.process_group")),
                     str(environ.get("mod_wsgi.application_group")), environ.get("SCRIPT_NAME", "")])
    return [body.encode()]
