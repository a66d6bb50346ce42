"""A fake of the Zilliz Cloud control-plane calls the server relies on, over real HTTP.

It follows docs/zilliz-control-plane.md (the tests, the benchmarks and the playground use it): bearer auth, the {code, data}
envelope, paging, and the project-level private link that gives every cluster of the
project and region its privateLinkAddress once an endpoint is registered.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


# Zilliz publishes no code for a registration that exists already or is not there (96030 and
# 96031 are backup errors in its list): the fake answers with a code in no published list, so
# the server cannot come to rely on one.
UNDOCUMENTED = 65001


def registration(region_id, service_name, endpoint_id):
    """A registration as the private-endpoint list holds it, with the status words of Zilliz's
    own provider tests."""
    return {
        "regionId": region_id,
        "cloudId": "aws",
        "endpointService": service_name,
        "endpointServiceStatus": "Available",
        "endpointId": endpoint_id,
        "endpointStatus": "accepted",
        "gcpProjectId": None,
    }


class FakeZilliz:
    def __init__(self, api_key, port=0):
        self.api_key = api_key
        self.lock = threading.Lock()
        self.requests = []  # (method, path, query, body) of every call, in order
        self.projects = {}
        self.clusters = {}
        self.services = {}  # regionId -> {endpointService, whitelistRequired}
        self.endpoints = {}  # projectId -> [{endpointId, regionId, ...}]
        self.whitelist = []  # (projectId, regionId, outerUserId)
        self.fail_next = []  # [(status, body)] served, in order, before real answers
        # [(method, status)]: the next call with that method is carried out, then its answer
        # is replaced by this status, as when a proxy loses the answer.
        self.fail_after = []
        self.link_ports = {}  # clusterId -> port of its private link
        self.on_request = None  # called before each request is served (the bench adds latency)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.projects.clear()
            self.clusters.clear()
            self.services.clear()
            self.endpoints.clear()
            self.whitelist.clear()
            self.fail_next.clear()
            self.fail_after.clear()
            self.link_ports.clear()

    # --- seeding -------------------------------------------------------------------------

    def add_project(self, project_id, name="default", plan="Enterprise"):
        self.projects[project_id] = {
            "projectId": project_id,
            "projectName": name,
            "instanceCount": 0,
            "createTime": "2026-01-01T00:00:00Z",
            "plan": plan,
        }

    def add_cluster(self, cluster_id, project_id, region_id, name="prod", plan="Enterprise",
                    status="RUNNING", port=19530, public_port=None):
        """`port` is the private link's; the public address may use another (Zilliz's own
        examples show public :19538 beside private link :19531)."""
        self.clusters[cluster_id] = {
            "clusterId": cluster_id,
            "clusterName": name,
            "projectId": project_id,
            "regionId": region_id,
            "plan": plan,
            "status": status,
            "connectAddress": f"https://{cluster_id}.{region_id}.vectordb.zillizcloud.com:{public_port or port}",
            "privateLinkAddress": "",
            "cuSize": 1,
            "someFutureField": {"nested": True},
        }
        self.link_ports[cluster_id] = port

    def add_service(self, region_id, service_name, whitelist_required=False):
        self.services[region_id] = {
            "regionId": region_id,
            "cloudId": "aws",
            "endpointService": service_name,
            "whitelistRequired": whitelist_required,
        }

    def mutating_requests(self):
        return [r for r in self.requests if r[0] != "GET"]

    # --- the private link ----------------------------------------------------------------

    def _cluster_view(self, cluster):
        view = dict(cluster)
        linked = any(
            e["regionId"] == cluster["regionId"]
            for e in self.endpoints.get(cluster["projectId"], [])
        )
        if linked:
            cid, rid = cluster["clusterId"], cluster["regionId"]
            port = self.link_ports[cid]
            view["privateLinkAddress"] = (
                f"https://{cid}-privatelink.{rid}.vectordb.zillizcloud.com:{port}"
            )
        return view

    # --- HTTP ----------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("requestid", uuid.uuid4().hex[:16])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _ok(self, data):
                self._send(200, {"code": 0, "data": data})

            def _err(self, code, message, status=200):
                self._send(status, {"code": code, "message": message})

            def _route(self, method):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if fake.on_request:
                    fake.on_request()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append((method, url.path, query, body))
                    if fake.fail_next:
                        status, payload = fake.fail_next.pop(0)
                        return self._send(status, payload)
                    if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                        return self._err(21119, "The apikey is illegal", status=401)
                    lost = next((f for f in fake.fail_after if f[0] == method), None)
                    if lost:
                        fake.fail_after.remove(lost)
                        self._send = lambda status, payload: None  # carry out, answer nothing
                        self._dispatch(method, url.path.split("/")[1:], query, body)
                        del self._send
                        return self._send(lost[1], {"message": "upstream lost the answer"})
                    return self._dispatch(method, url.path.split("/")[1:], query, body)

            def _page(self, items, field, query):
                size = int(query.get("pageSize", 10))
                page = int(query.get("currentPage", 1))
                if not 1 <= size <= 100:
                    return self._err(96008, "pageSize must be between 1 and 100")
                chunk = items[(page - 1) * size: page * size]
                self._ok({"count": len(items), "currentPage": page, "pageSize": size, field: chunk})

            def _dispatch(self, method, parts, query, body):
                if parts[0] != "v2":
                    return self._err(404, "not found", status=404)
                parts = parts[1:]
                if method == "GET" and parts == ["projects"]:
                    return self._ok(list(fake.projects.values()))
                if method == "GET" and parts == ["clusters"]:
                    # The list's filters, as the Zilliz CLI's control-plane model declares them.
                    views = [fake._cluster_view(c) for c in fake.clusters.values()
                             if query.get("projectId") in (None, c["projectId"])
                             and query.get("regionId") in (None, c["regionId"])]
                    return self._page(views, "clusters", query)
                if method == "GET" and len(parts) == 2 and parts[0] == "clusters":
                    cluster = fake.clusters.get(parts[1])
                    if cluster is None:
                        return self._err(96018, f"cluster {parts[1]} not exist")
                    return self._ok(fake._cluster_view(cluster))
                if method == "GET" and parts == ["privateEndpointServices"]:
                    region = query.get("regionId")
                    services = [s for r, s in fake.services.items() if region in (None, r)]
                    return self._page(services, "endpointServices", query)
                if len(parts) >= 3 and parts[0] == "projects" and parts[2] == "privateEndpoints":
                    project = parts[1]
                    if project not in fake.projects:
                        return self._err(96005, f"invalid projectId {project}")
                    if fake.projects[project]["plan"] != "Enterprise":
                        return self._err(96028, "private link requires the Enterprise plan")
                    endpoints = fake.endpoints.setdefault(project, [])
                    if method == "GET" and len(parts) == 3:
                        return self._page(endpoints, "endpoints", query)
                    if method == "POST" and len(parts) == 3:
                        region, endpoint_id = body["regionId"], body["endpointId"]
                        if region not in fake.services:
                            return self._err(96001, f"invalid regionId {region}")
                        if any(e["endpointId"] == endpoint_id for e in endpoints):
                            # Zilliz documents no code for a repeat: one in no published list.
                            return self._err(UNDOCUMENTED, "private endpoint already exists",
                                             status=400)
                        endpoints.append(registration(
                            region, fake.services[region]["endpointService"], endpoint_id))
                        return self._ok({"endpointId": endpoint_id, "regionId": region})
                    if method == "DELETE" and len(parts) == 4:
                        kept = [e for e in endpoints if e["endpointId"] != parts[3]]
                        if len(kept) == len(endpoints):
                            return self._err(UNDOCUMENTED, "private endpoint not found",
                                             status=400)
                        fake.endpoints[project] = kept
                        return self._ok({"endpointId": parts[3]})
                if (method == "POST" and len(parts) == 3 and parts[0] == "projects"
                        and parts[2] == "privateEndpointWhitelist"):
                    entry = (parts[1], body["regionId"], body["outerUserId"])
                    if entry in fake.whitelist:
                        # Zilliz documents no answer for a repeat; the strict guess is an error
                        # whose code and words say nothing the server could rely on.
                        return self._err(96099, "duplicate entry")
                    fake.whitelist.append(entry)
                    return self._ok({})
                return self._err(404, f"no such call {method} /v2/{'/'.join(parts)}", status=404)

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

        return Handler
