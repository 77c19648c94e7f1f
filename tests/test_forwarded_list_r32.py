"""Re-tester R32 on T32's chain after its fix (``ProxyPreserveHost On`` in the inner Apache):
site1's processes received Host ``site1.example.com`` and X-Forwarded-Host ``site1.example.com,
site1.example.com`` (nginx set it, Apache's mod_proxy appended), ``request.host_allowed`` true.
``forwarded_host_undecided`` said Django would use that value and accept it, called it "another
name", and told nginx to write the line it has (nginx.conf:23), even with Apache's
configuration given. Django 5.2.20's get_host() raises DisallowedHost for that value, even with
ALLOWED_HOSTS ['*'] (R32, in the servers' venv)."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.front_config import load_front
from probe.manifest import parse
from probe.model import Finding, Observation, Sample
from probe.nginx import load_nginx
from tests import t32_chain_answers as t32
from tests.test_diagnose import answered, obs

URL = "http://site1.example.com/"
NAME = "site1.example.com"
MANIFEST = f"""[probe]
connect = "{t32.FRONT}"
samples = 10

[instances.site1]
label = "site1"
urls = ["{URL}"]
"""
FIXED = t32.HTTPD_CONF.replace("ProxyPreserveHost Off", "ProxyPreserveHost On")


def _after_fix() -> Observation:
    """site1's answers once mod_proxy passes the client's Host (R32's after-fix sweep)."""
    def one(pid: int) -> Sample:
        data = t32.site1(pid, NAME)
        data["request"].update(host=NAME, server_name=NAME)
        return Sample(2.0, 200, answered(data).endpoint, address=t32.FRONT, server=t32.NGINX)
    return obs(URL, "site1", *(one(pid) for pid in (12817, 12818) * 5))


def _finding(config: ConfigJoin | None = None) -> Finding:
    report = diagnose(parse(MANIFEST), [_after_fix()], config=config)
    [found] = [f for f in report.findings if f.code == "forwarded_host_undecided"]
    return found


def test_a_list_of_the_urls_name_is_said_as_one_and_django_refuses_it() -> None:
    text = _finding().explanation
    assert f"X-Forwarded-Host '{NAME}, {NAME}' (request.forwarded_host), 2 values, each the " \
        "URL's name: one proxy set it and a later one appended the Host received" in text, text
    assert "another name" not in text, text
    assert "with it Django 5.2's get_host() (these answers report Django 5.2.20, " \
        "python.django_version) takes the whole header, not one of its values" in text, text
    assert "it raises DisallowedHost, and every real page answers 400 Bad Request whatever " \
        "ALLOWED_HOSTS holds, '*' included" in text, text
    # an endpoint of this release answers as Django does (false with the setting on); a true
    # is the setting off, or an older endpoint's check of the last value: both said
    assert "request.host_allowed true: an endpoint of this release asks as Django does, " \
        "which refuses the whole list with that setting on, so from it this says the " \
        "setting is off; an older one checked the list's last value only" in text, text
    assert "Django accepts it (request.host_allowed true)" not in text, text
    # no fix telling nginx to write the line that set the first value
    assert "nginx 'proxy_set_header X-Forwarded-Host $host;'" not in text, text
    assert "Keep one value: a proxy after the one that set X-Forwarded-Host appended" in text


def test_nginxs_config_is_said_to_set_it_already(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(t32.NGINX_CONF)
    line = t32.NGINX_CONF.splitlines().index(
        "            proxy_set_header X-Forwarded-Host $host;") + 1
    text = _finding(ConfigJoin(load_nginx(str(path)))).explanation
    assert f"Leave nginx's line as it is: 'proxy_set_header X-Forwarded-Host $host;' " \
        f"({path}:{line}) sets the header to the URL's name, and nginx does not append. The " \
        f"value after it was appended by the server it passes the URL to, 127.0.0.1:18122" \
        in text, text
    assert "replace 'proxy_set_header X-Forwarded-Host" not in text, text


def test_the_inner_apaches_config_names_proxy_add_headers(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_text(FIXED)
    lines = FIXED.splitlines()
    vhost = f"{path}:{lines.index('<VirtualHost 127.0.0.1:18122>') + 1}"
    rule = f"{path}:{lines.index('    ProxyPass / http://127.0.0.1:18123/') + 1}"
    text = _finding(load_front(str(path), {})).explanation
    assert f"In <VirtualHost 127.0.0.1:18122> (site1.example.com) at {vhost}, mod_proxy " \
        f"appends the Host it received to X-Forwarded-Host as it passes the URL on with " \
        f"'ProxyPass / http://127.0.0.1:18123/' ({rule}): no ProxyAddHeaders is written for " \
        f"it (On, mod_proxy's default). Write 'ProxyAddHeaders Off' beside the ProxyPass at " \
        f"{rule}" in text, text
    assert "'RequestHeader unset X-Forwarded-Host' there" in text, text
    assert "ppid 12815" in text, text  # the graceful restart of that Apache
    assert "nginx" not in text.split("The fix right either way:")[1], text


def test_no_fix_already_in_the_apache_config(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_text(FIXED.replace("    ProxyPass / ", "    ProxyAddHeaders Off\n    ProxyPass / "))
    text = _finding(load_front(str(path), {})).explanation
    assert "Write 'ProxyAddHeaders Off'" not in text, text
    assert "No VirtualHost of the configuration given appends to X-Forwarded-Host" in text
