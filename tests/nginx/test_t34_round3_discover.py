"""Re-tester R34's third look at tester T34's real nginx cases, discover's words for a
``proxy_pass`` whose variable no Host-keyed map sets:

* e-split: ``$shop_backend`` comes from ``split_clients`` (nginx.conf:15), which discover
  called "map ${remote_addr}${request_id} $shop_backend";
* b-regex: ``$site`` is the named capture of ``server_name ~^(?<site>[^.]+)...`` (line 14),
  which discover called "set by no map read" while the sweep reads the capture.
"""

from __future__ import annotations

from pathlib import Path

from probe.discover.nginx import discover_nginx

E_SPLIT = """events { }
http {
    upstream shop_app    { server 127.0.0.1:18401; }
    upstream shop_canary { server 127.0.0.1:18404; }
    split_clients "${remote_addr}${request_id}" $shop_backend {
        20%  shop_canary;
        *    shop_app;
    }
    server {
        listen 127.0.0.1:18385;
        server_name shop.example.test;
        location / { proxy_pass http://$shop_backend; }
    }
}
"""

B_REGEX = """events { }
http {
    server {
        listen 127.0.0.1:18382;
        server_name ~^(?<site>[^.]+)\\.example\\.test$;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://unix:/tmp/run/$site.sock;
        }
    }
}
"""


def test_a_split_clients_variable_is_named_split_clients_not_map(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(E_SPLIT)
    said = " ".join(discover_nginx(str(conf)).skipped)
    assert "comes from map" not in said, said
    assert (f"$shop_backend comes from split_clients ${{remote_addr}}${{request_id}} "
            f"$shop_backend at {conf}:5: the hash of each request's" in said), said


def test_a_server_name_capture_is_said_to_be_one(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(B_REGEX)
    said = " ".join(discover_nginx(str(conf)).skipped)
    assert "set by no map" not in said, said
    assert (f"$site is the named capture of server_name ~^(?<site>[^.]+)\\.example\\.test$ "
            f"at {conf}:5: the Host decides it" in said), said


def test_a_variable_no_line_sets_is_left_to_request_time(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(B_REGEX.replace("(?<site>[^.]+)", "([^.]+)"))
    said = " ".join(discover_nginx(str(conf)).skipped)
    assert "$site is set by no map, split_clients or set line read" in said, said
