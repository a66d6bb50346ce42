"""Rules that AWS enforces and moto does not, taught to a proxy in front of moto.

- A service that needs whitelisting is invisible to an account until Zilliz has whitelisted
  it: `DescribeVpcEndpointServices` and `CreateVpcEndpoint` answer `InvalidServiceName`
  (AWS's answer for a service the account may not see).
- Route 53 deletes a record set only when the request repeats every value it holds (alias
  target with its `EvaluateTargetHealth`, TTL, values, routing fields); otherwise
  `InvalidChangeBatch`.
"""

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs

from fault_proxy import FaultProxy

INVALID_SERVICE = """<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidServiceName</Code><Message>The Vpc Endpoint Service '{name}' does not exist</Message></Error></Errors><RequestID>r-hidden</RequestID></Response>"""
INVALID_BATCH = """<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>[Tried to delete resource record set [name='{name}', type='A'] but the values provided do not match the current values]</Message></Error><RequestId>r-strict</RequestId></ErrorResponse>"""


def _strip(tag):
    return tag.rsplit("}", 1)[-1]


def _record_from_xml(element):
    """A ResourceRecordSet element as a comparable dict, boto3's shape."""
    out = {}
    for child in element:
        tag = _strip(child.tag)
        if tag == "AliasTarget":
            out["AliasTarget"] = {_strip(c.tag): (c.text or "") for c in child}
        elif tag == "ResourceRecords":
            out["ResourceRecords"] = sorted(
                (c.text or "") for rr in child for c in rr if _strip(c.tag) == "Value")
        else:
            out[tag] = child.text or ""
    return out


def _record_from_boto(record):
    out = {k: str(v) for k, v in record.items()
           if k not in ("AliasTarget", "ResourceRecords")}
    if "AliasTarget" in record:
        a = record["AliasTarget"]
        out["AliasTarget"] = {"HostedZoneId": a["HostedZoneId"], "DNSName": a["DNSName"],
                              "EvaluateTargetHealth": str(a["EvaluateTargetHealth"]).lower()}
    if "ResourceRecords" in record:
        out["ResourceRecords"] = sorted(r["Value"] for r in record["ResourceRecords"])
    return out


def _same(sent, held):
    def norm(r):
        r = dict(r)
        r["Name"] = r.get("Name", "").rstrip(".").lower()
        if "AliasTarget" in r:
            a = dict(r["AliasTarget"])
            a["DNSName"] = a.get("DNSName", "").rstrip(".").lower()
            a["EvaluateTargetHealth"] = a.get("EvaluateTargetHealth", "").lower()
            r["AliasTarget"] = a
        return r
    return norm(sent) == norm(held)


class StrictAws:
    """A proxy in front of moto that enforces the rules above. `whitelisted()` says whether
    the hidden service is visible yet (the Zilliz fake knows)."""

    def __init__(self, moto_url, route53, hidden_service=None, whitelisted=lambda: True):
        self.route53 = route53
        self.hidden_service = hidden_service
        self.whitelisted = whitelisted
        self.refused = []  # (what, detail) of every request answered with an error here
        self.proxy = FaultProxy(moto_url, judge=self.judge)
        self.url = self.proxy.url

    def stop(self):
        self.proxy.stop()

    def judge(self, method, path, action, body):
        if action in ("DescribeVpcEndpointServices", "CreateVpcEndpoint") and self.hidden_service:
            form = parse_qs(body.decode(errors="replace"))
            names = [v[0] for k, v in form.items() if k.startswith("ServiceName")]
            if self.hidden_service in names and not self.whitelisted():
                self.refused.append((action, self.hidden_service))
                return 400, INVALID_SERVICE.format(name=self.hidden_service).encode()
        if method == "POST" and path.rstrip("/").endswith("/rrset") and "/hostedzone/" in path:
            zone_id = path.split("/hostedzone/")[1].split("/")[0]
            root = ET.fromstring(body)
            for change in root.iter():
                if _strip(change.tag) != "Change":
                    continue
                parts = {_strip(c.tag): c for c in change}
                if (parts["Action"].text or "") != "DELETE":
                    continue
                sent = _record_from_xml(parts["ResourceRecordSet"])
                held = [r for r in self.route53.list_resource_record_sets(
                            HostedZoneId=zone_id, StartRecordName=sent["Name"],
                            StartRecordType=sent["Type"])["ResourceRecordSets"]
                        if r["Name"].rstrip(".").lower() == sent["Name"].rstrip(".").lower()
                        and r["Type"] == sent["Type"]]
                if held and not any(_same(sent, _record_from_boto(h)) for h in held):
                    self.refused.append(("ChangeResourceRecordSets", sent["Name"]))
                    return 400, INVALID_BATCH.format(name=sent["Name"]).encode()
        return None
