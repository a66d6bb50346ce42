"""moto's server, taught the AWS rules the server relies on where moto differs and a patch is
cheap. Run as `python fakes/moto_real.py -H HOST -p PORT` (moto_server's own arguments), or
call `teach()` before starting moto in this process.

- Route 53 `ListHostedZonesByName` with a `DNSName`: AWS lists the account's zones in order of
  their names with the labels reversed (`com.zillizcloud.vectordb.`), from that name on, so a
  domain's subdomains follow it. moto answers only the zones named exactly so.
- CloudWatch Logs filter patterns (`FilterLogEvents`): AWS's three forms, as its Filter and
  Pattern Syntax page gives them: terms (`ERROR`, `"a b"`, `?ERROR ?WARN`, `-term`), JSON
  (`{ ($.a = "x" || $.b != y*) && $.n >= 3 }`) and space-delimited (`[f0, f1 = "eni-1" ||
  f1 = "eni-2", ..., port = 19530]`, fields split on spaces with `"…"` and `[…]` kept whole).
  moto matches terms only and lets every other pattern match everything, so a pattern AWS
  would read otherwise passes unseen.
- Cross-Region PrivateLink (AWS PrivateLink Guide, "Cross-Region access"; EC2 API Reference,
  `DescribeVpcEndpointServices` and `CreateVpcEndpoint`): a provider's endpoint service is
  offered to the Regions it lists (`ModifyVpcEndpointServiceConfiguration
  AddSupportedRegions`). From one of those, `DescribeVpcEndpointServices` with `ServiceRegions`
  describes it with its `ServiceRegion`, and `CreateVpcEndpoint` with `ServiceRegion` makes an
  endpoint to it that keeps its `ServiceRegion`; from any other Region the service does not
  exist (`InvalidServiceName`), and neither does another Region's service asked for without
  `ServiceRegion`; where IAM is enforced, the caller also needs `vpce:AllowMultiRegion`. moto
  knows a service only in its own Region and ignores `ServiceRegion`.
- Transit gateway routing (Transit Gateway Guide, "How transit gateways work", "Route
  propagation"; EC2 API Reference, `SearchTransitGatewayRoutes`): a VPC attached to a gateway
  whose `DefaultRouteTablePropagation` is on propagates its CIDR blocks into the default
  propagation route table, and `SearchTransitGatewayRoutes` lists a table's propagated routes
  (type `propagated`, to the attachment) beside its static ones, each with its
  `TransitGatewayAttachments` (a list). moto propagates nothing, lists static routes only, and
  loses a static route's attachment on the wire. A VPC of another account may attach to a
  gateway shared with it (AWS RAM; here any gateway found by its id): the attachment is seen
  from both accounts, with the gateway's owner and the VPC's, and the owner's route tables
  propagate that VPC's blocks; only the owner reads its route tables.
- Private zones across accounts (Route 53 Developer Guide, "Associating an Amazon VPC and a
  private hosted zone that you created with different AWS accounts"; API Reference,
  `CreateVPCAssociationAuthorization`, `AssociateVPCWithHostedZone`,
  `DeleteVPCAssociationAuthorization`, `ListHostedZonesByVPC`): the zone's account authorizes
  one VPC of another account; that VPC's account then associates it (without the
  authorization: `NotAuthorizedException`); the authorization may be deleted afterwards and the
  association stays; `ListHostedZonesByVPC` in the VPC's account lists the other account's
  zone with its `OwningAccount`, and the VPC's account may disassociate it. The zone itself
  (its records, its VPCs) is read only by its owner. moto keeps one Route 53 per account and
  knows no authorizations.
"""

import fnmatch
import json
import re
import sys


def _reversed_labels(name):
    labels = name.rstrip(".").lower().split(".")
    return ".".join(reversed(labels)) + "."


_TOKEN = re.compile(r'\s*(\|\||&&|\(|\)|!=|<=|>=|=|<|>|,|"(?:[^"\\]|\\.)*"|[^\s=!<>(),|&"]+)')


def _tokens(text):
    out, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if not m or m.end() == at:
            if text[at:].strip():
                raise ValueError(f"unreadable pattern at {text[at:]!r}")
            break
        out.append(m.group(1))
        at = m.end()
    return out


def _unquote(value):
    return json.loads(value) if value.startswith('"') else value


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(actual, op, expected_token):
    """One condition: `=`/`!=` on strings with `*` wildcards, or a numeric comparison."""
    if actual is None:
        return False
    expected = _unquote(expected_token)
    n_expected = None if expected_token.startswith('"') else _number(expected)
    n_actual = _number(str(actual))
    if n_expected is not None and n_actual is not None:
        return {"=": n_actual == n_expected, "!=": n_actual != n_expected,
                "<": n_actual < n_expected, ">": n_actual > n_expected,
                "<=": n_actual <= n_expected, ">=": n_actual >= n_expected}[op]
    if op not in ("=", "!="):
        return False
    matched = fnmatch.fnmatchcase(str(actual), expected) if "*" in expected \
        else str(actual) == expected
    return matched if op == "=" else not matched


class _Conditions:
    """`a = x || b != y && (c > 3)`: && binds tighter than ||, parentheses group."""

    def __init__(self, tokens, lookup):
        self.tokens, self.at, self.lookup = tokens, 0, lookup

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        self.at += 1
        return self.tokens[self.at - 1]

    def any_of(self):
        result = self.all_of()
        while self.peek() == "||":
            self.take()
            result = self.all_of() or result
        return result

    def all_of(self):
        result = self.one()
        while self.peek() == "&&":
            self.take()
            result = self.one() and result
        return result

    def one(self):
        if self.peek() == "(":
            self.take()
            result = self.any_of()
            if self.take() != ")":
                raise ValueError("unbalanced parenthesis")
            return result
        name, op, value = self.take(), self.take(), self.take()
        return _compare(self.lookup(name), op, value)


def _json_value(document, selector):
    if not selector.startswith("$"):
        raise ValueError(f"not a selector: {selector}")
    value = document
    for part in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", selector[1:]):
        key, index = part
        try:
            value = value[key] if key else value[int(index)]
        except (KeyError, IndexError, TypeError):
            return None
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _fields(message):
    """A space-delimited event's fields, `"…"` and `[…]` each kept whole."""
    return [m.group(1) or m.group(2) or m.group(3)
            for m in re.finditer(r'"([^"]*)"|\[([^\]]*)\]|(\S+)', message)]


def _space_delimited(pattern, message):
    specs, depth, current = [], 0, ""
    for ch in pattern.strip()[1:-1]:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            specs.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        specs.append(current.strip())
    values = _fields(message)
    if "..." in specs:
        cut = specs.index("...")
        head, tail = specs[:cut], specs[cut + 1:]
        if len(head) + len(tail) > len(values):
            return False
        placed = list(zip(head, values)) + list(zip(tail, values[len(values) - len(tail):]))
    else:
        if len(specs) != len(values):
            return False
        placed = list(zip(specs, values))
    named = {}
    for spec, value in placed:
        named[_tokens(spec)[0]] = value
    for spec, _ in placed:
        tokens = _tokens(spec)
        if len(tokens) > 1:
            if not _Conditions(tokens, named.get).any_of():
                return False
    return True


def _terms(pattern, message):
    words = re.findall(r'[?-]?"[^"]*"|\S+', pattern)
    any_of = [w[1:] for w in words if w.startswith("?")]
    if any_of:
        return any(_unquote(w) in message for w in any_of)
    for w in words:
        if w.startswith("-"):
            if _unquote(w[1:]) in message:
                return False
        elif _unquote(w) not in message:
            return False
    return True


def filter_pattern_matches(pattern, message):
    """Whether CloudWatch Logs' filter `pattern` matches the event `message`."""
    pattern = (pattern or "").strip()
    if not pattern:
        return True
    if pattern.startswith("{"):
        try:
            document = json.loads(message)
        except ValueError:
            return False
        inner = _tokens(pattern.strip()[1:-1])
        return _Conditions(inner, lambda s: _json_value(document, s)).any_of()
    if pattern.startswith("["):
        return _space_delimited(pattern, message)
    return _terms(pattern, message)


class _PatternFilter:
    def __init__(self, pattern):
        self.pattern = pattern

    def matches(self, message):
        return filter_pattern_matches(self.pattern, message)


def _region_of_service(service_name):
    """`com.amazonaws.vpce.us-west-2.vpce-svc-…` → `us-west-2` (None for another form)."""
    parts = service_name.split(".")
    if len(parts) == 5 and parts[:3] == ["com", "amazonaws", "vpce"]:
        return parts[3]
    return None


def _offered(account_id, service_region, consumer_region, service_name=None):
    """The endpoint services of `service_region` offered to `consumer_region`."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][service_region]
    return [c for c in backend.configurations.values()
            if consumer_region in c._supported_region_names
            and (service_name is None or c.service_name == service_name)]


def _authorize_multi_region(response):
    """Where moto enforces IAM: a cross-region endpoint needs the permission-only action
    `vpce:AllowMultiRegion` beside `ec2:CreateVpcEndpoint` (Service Authorization Reference,
    Amazon VPC endpoints), which moto's own check (by the request's action) never asks."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMRequest

    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return
    request = IAMRequest(account_id=response.current_account, method=response.method,
                         path=response.raw_path, data=response.data, body=response.raw_body,
                         headers=response.headers, action="CreateVpcEndpoint")
    request._action = "vpce:AllowMultiRegion"
    request.check_action_permitted("*")


def _teach_cross_region_privatelink():
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidServiceName
    from moto.ec2.responses.vpcs import VPCs

    same_region_describe = VPCs.describe_vpc_endpoint_services
    same_region_create = VPCs.create_vpc_endpoint

    def describe_vpc_endpoint_services(self):
        asked = [r for r in self._get_param("ServiceRegions", []) if r != self.region]
        if not asked:
            return same_region_describe(self)
        names = self._get_param("ServiceNames", [])
        zones = sorted(z.name for z in self.ec2_backend.describe_availability_zones())
        details = []
        for region in asked:
            for config in _offered(self.current_account, region, self.region):
                if names and config.service_name not in names:
                    continue
                detail = config.to_dict()
                detail["ServiceRegion"] = region
                detail["SupportedRegions"] = config.supported_regions
                # Where the consumer may place the endpoint: its own Region's zones.
                detail["AvailabilityZones"] = zones
                details.append(detail)
        found = {d["ServiceName"] for d in details}
        for name in names:
            if name not in found:
                raise InvalidServiceName(name)
        return ActionResult({"ServiceNames": sorted(found), "ServiceDetails": details})

    def create_vpc_endpoint(self):
        service_name = self._get_param("ServiceName")
        service_region = self._get_param("ServiceRegion")
        home = _region_of_service(service_name or "")
        if service_region and service_region != self.region:
            _authorize_multi_region(self)
            if not _offered(self.current_account, service_region, self.region, service_name):
                raise InvalidServiceName(service_name)
        elif home and home != self.region:
            # Another Region's service, asked for as if it were this Region's.
            raise InvalidServiceName(service_name)
        result = same_region_create(self)
        endpoint = result.result["VpcEndpoint"] if hasattr(result, "result") else None
        if endpoint is not None:
            endpoint.service_region = service_region or self.region
        return result

    VPCs.describe_vpc_endpoint_services = describe_vpc_endpoint_services
    VPCs.create_vpc_endpoint = create_vpc_endpoint


def _teach_transit_gateway_routes():
    from moto.core.responses import ActionResult
    from moto.ec2.models import EC2Backend
    from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable

    from moto.ec2.models import ec2_backends
    from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachment

    plain_attach = EC2Backend.create_transit_gateway_vpc_attachment

    def owner_backend(backend, transit_gateway_id):
        """The backend of the account whose gateway this is (shared through RAM)."""
        if transit_gateway_id in backend.transit_gateways:
            return backend
        for account, regions in ec2_backends.items():
            other = regions.get(backend.region_name) if account != backend.account_id else None
            if other is not None and transit_gateway_id in other.transit_gateways:
                return other
        return backend

    def create_transit_gateway_vpc_attachment(self, transit_gateway_id, *args, **kwargs):
        owner = owner_backend(self, transit_gateway_id)
        attachment = plain_attach(owner, transit_gateway_id, *args, **kwargs)
        if owner is not self:
            # The VPC's account owns the attachment; the gateway's keeps routing it.
            attachment.resource_owner_id = self.account_id
            attachment._gateway_owner = owner.account_id
            self.transit_gateway_attachments[attachment.id] = attachment
        options = owner.transit_gateways[transit_gateway_id].options
        table = options.get("PropagationDefaultRouteTableId")
        if options.get("DefaultRouteTablePropagation") == "enable" and table:
            owner.enable_transit_gateway_route_table_propagation(attachment.id, table)
        return attachment

    plain_route = EC2Backend.create_route

    def create_route(self, *args, **kwargs):
        """A route to a gateway another account shares keeps its target."""
        route = plain_route(self, *args, **kwargs)
        gateway = kwargs.get("transit_gateway_id")
        if gateway and route.transit_gateway is None:
            route.transit_gateway = owner_backend(self, gateway).transit_gateways.get(gateway)
        return route

    EC2Backend.create_route = create_route
    TransitGatewayAttachment.transit_gateway_owner_id = property(
        lambda self: getattr(self, "_gateway_owner", self.resource_owner_id))

    def vpc_of(backend, vpc_id):
        """A VPC of any account of the region (a gateway's owner propagates others' VPCs)."""
        for regions in ec2_backends.values():
            other = regions.get(backend.region_name)
            if other is not None and vpc_id in other.vpcs:
                return other.vpcs[vpc_id]
        return None

    def routes_of(backend, table):
        """A table's routes as AWS lists them: static ones as kept, then one propagated route
        for each CIDR block of each VPC whose attachment propagates into the table."""
        out = []
        for route in table.routes.values():
            shown = {k: v for k, v in route.items() if k != "transitGatewayAttachments"}
            attached = route.get("transitGatewayAttachments")
            shown["transitGatewayAttachments"] = [attached] if attached else []
            out.append(shown)
        for propagation in table.route_table_propagation:
            attachment = backend.transit_gateway_attachments.get(
                propagation.transitGatewayAttachmentId)
            if attachment is None or attachment.resource_type != "vpc" \
                    or attachment.state != "available":
                continue
            vpc = vpc_of(backend, attachment.resource_id)
            for block in vpc.get_cidr_block_association_set() if vpc else []:
                out.append({
                    "destinationCidrBlock": block["cidr_block"],
                    "type": "propagated",
                    "state": "active",
                    "transitGatewayAttachments": [{
                        "resourceId": attachment.resource_id,
                        "resourceType": "vpc",
                        "transitGatewayAttachmentId": attachment.id,
                    }],
                })
        return out

    def search_transit_gateway_routes(self):
        table_id = self._get_param("TransitGatewayRouteTableId")
        filters = self._filters_from_querystring()
        table = self.ec2_backend.transit_gateways_route_tables.get(table_id)
        routes = routes_of(self.ec2_backend, table) if table else []
        for name, key in (("type", "type"), ("state", "state"),
                          ("route-search.exact-match", "destinationCidrBlock")):
            if filters.get(name):
                routes = [r for r in routes if r.get(key) in filters[name]]
        return ActionResult({"routeSet": routes, "additionalRoutesAvailable": False})

    EC2Backend.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment
    TransitGatewayRouteTable.search_transit_gateway_routes = search_transit_gateway_routes


def _teach_cross_account_zones():
    from moto.core.responses import ActionResult, EmptyResult
    from moto.route53 import urls
    from moto.route53.exceptions import NoSuchHostedZone, Route53ClientError
    from moto.route53.models import Route53Backend, route53_backends
    from moto.route53.responses import Route53

    class NotAuthorized(Route53ClientError):
        code = 401

        def __init__(self, message):
            super().__init__("NotAuthorizedException", message)

    class AuthorizationNotFound(Route53ClientError):
        def __init__(self, message):
            super().__init__("VPCAssociationAuthorizationNotFound", message)

    # (zone owner, zone id, vpc id) -> the VPC's region
    authorizations = {}

    def owner_of(zone_id):
        """The account and zone of `zone_id`, in whichever account holds it."""
        zone_id = zone_id.replace("/hostedzone/", "")
        for account, by_partition in route53_backends.items():
            for backend in by_partition.values():
                if zone_id in backend.zones:
                    return account, backend.zones[zone_id]
        return None, None

    for path in ("authorizevpcassociation", "deauthorizevpcassociation"):
        urls.url_paths[
            r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/" + path + "/?$"
        ] = Route53.dispatch

    def create_vpc_association_authorization(self):
        zone_id = self._get_param("HostedZoneId")
        vpc_id, region = self._get_param("VPC.VPCId"), self._get_param("VPC.VPCRegion")
        self.backend.get_hosted_zone(zone_id)  # only the zone's owner authorizes
        authorizations[(self.current_account, zone_id, vpc_id)] = region
        return ActionResult({"HostedZoneId": zone_id,
                             "VPC": {"VPCId": vpc_id, "VPCRegion": region}})

    def delete_vpc_association_authorization(self):
        zone_id = self._get_param("HostedZoneId")
        vpc_id = self._get_param("VPC.VPCId")
        self.backend.get_hosted_zone(zone_id)
        if authorizations.pop((self.current_account, zone_id, vpc_id), None) is None:
            raise AuthorizationNotFound(
                f"The VPC {vpc_id} has not been authorized to be associated with {zone_id}")
        return EmptyResult()

    def list_vpc_association_authorizations(self):
        zone_id = self._get_param("HostedZoneId")
        self.backend.get_hosted_zone(zone_id)
        vpcs = [{"VPCId": v, "VPCRegion": r} for (a, z, v), r in authorizations.items()
                if a == self.current_account and z == zone_id]
        return ActionResult({"HostedZoneId": zone_id, "VPCs": vpcs})

    plain_associate = Route53Backend.associate_vpc_with_hosted_zone
    plain_disassociate = Route53Backend.disassociate_vpc_from_hosted_zone
    plain_by_vpc = Route53Backend.list_hosted_zones_by_vpc

    def associate_vpc_with_hosted_zone(self, zone_id, vpcid, vpcregion):
        clean = zone_id.replace("/hostedzone/", "")
        if clean in self.zones:
            return plain_associate(self, zone_id, vpcid, vpcregion)
        owner, zone = owner_of(clean)
        if zone is None:
            raise NoSuchHostedZone(zone_id)
        if (owner, clean, vpcid) not in authorizations:
            raise NotAuthorized(
                f"Associating the VPC {vpcid} with the hosted zone {clean} of another account "
                "has not been authorized.")
        zone.add_vpc(vpcid, vpcregion)
        zone.vpcs[-1]["owner"] = self.account_id
        return zone

    def disassociate_vpc_from_hosted_zone(self, zone_id, vpcid):
        clean = zone_id.replace("/hostedzone/", "")
        if clean in self.zones:
            return plain_disassociate(self, zone_id, vpcid)
        owner, zone = owner_of(clean)
        mine = [v for v in (zone.vpcs if zone else []) if v["vpc_id"] == vpcid
                and v.get("owner") == self.account_id]
        if not mine:
            raise NoSuchHostedZone(zone_id)
        zone.delete_vpc(vpcid)
        return zone

    def list_hosted_zones_by_vpc(self, vpc_id):
        found = plain_by_vpc(self, vpc_id)
        for account, by_partition in route53_backends.items():
            if account == self.account_id:
                continue
            for backend in by_partition.values():
                for zone in backend.zones.values():
                    if any(v["vpc_id"] == vpc_id and v.get("owner") == self.account_id
                           for v in zone.vpcs):
                        found.append({"HostedZoneId": zone.resource_id, "Name": zone.name,
                                      "Owner": {"OwningAccount": account}})
        return found

    Route53.create_vpc_association_authorization = create_vpc_association_authorization
    Route53.delete_vpc_association_authorization = delete_vpc_association_authorization
    Route53.list_vpc_association_authorizations = list_vpc_association_authorizations
    Route53Backend.associate_vpc_with_hosted_zone = associate_vpc_with_hosted_zone
    Route53Backend.disassociate_vpc_from_hosted_zone = disassociate_vpc_from_hosted_zone
    Route53Backend.list_hosted_zones_by_vpc = list_hosted_zones_by_vpc


def teach():
    from moto.logs import models as logs_models
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend, "_zpl_taught", False):
        return
    logs_models.EventMessageFilter = _PatternFilter
    _teach_cross_region_privatelink()
    _teach_transit_gateway_routes()
    _teach_cross_account_zones()

    def list_hosted_zones_by_name(self, dnsname):
        zones = sorted(self.zones.values(), key=lambda z: _reversed_labels(z.name))
        if not dnsname:
            return None, zones
        if dnsname[-1] != ".":
            dnsname += "."
        start = _reversed_labels(dnsname)
        return dnsname, [z for z in zones if _reversed_labels(z.name) >= start]

    Route53Backend.list_hosted_zones_by_name = list_hosted_zones_by_name
    Route53Backend._zpl_taught = True


if __name__ == "__main__":
    teach()
    from moto.server import main

    main(sys.argv[1:])
