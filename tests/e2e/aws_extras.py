"""What moto lacks, spoken in AWS's own protocols by a proxy in front of moto; the server
reaches it through the SDK's per-service endpoint variables (`AWS_ENDPOINT_URL_SSM` and the
like), and everything it does not answer goes on to moto.

- Route 53 Resolver DNS Firewall (JSON 1.1, `X-Amz-Target: Route53Resolver.*`): rule group
  associations, rules, domain lists and their domains, as planted by a test. The rest of
  Route 53 Resolver (rules, endpoints) is moto's.
- Route 53 Profiles (REST-JSON): the Profiles associated with a VPC and what they carry
  (private zones, Resolver rules, DNS Firewall rule groups), each owned by the account a test
  names: a networking account's Profile is shared with this one. `GetProfile` names the owner;
  `AssociateResourceToProfile` and `DisassociateResourceFromProfile` are the owner's alone (an
  account the Profile is shared with is refused), take only a private zone of the caller's
  account (asked of moto with the caller's key), check the association's name against the API
  reference's pattern, and refuse a resource already there (`ConflictException`). The caller's
  account is moto's answer to `GetCallerIdentity` for the request's access key.
- SSM Run Command (JSON 1.1, `X-Amz-Target: AmazonSSM.*`): `DescribeInstanceInformation` knows
  the instances a test marks managed; `SendCommand` runs `AWS-RunShellScript`'s commands here,
  with `sh`, as the agent would on the instance, so the probe script itself is tested;
  `GetCommandInvocation` answers `InvocationDoesNotExist` once, as SSM does right after a send,
  then the command's status and output. `ListCommandInvocations` is the history: every
  invocation, newest first, with its `Comment` and `RequestedDateTime`, filtered by
  `DocumentName` and `InvokedAfter` (the filters SSM's API reference lists for it), 50 a page
  at most, and with `Details` the plugin's `Output` (its first 2,500 characters, stdout then
  SSM's `----------ERROR-------` and stderr, as the API reference and the console show it).
"""

import datetime
import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, unquote, urlparse

from fault_proxy import FaultProxy

JSON = {"Content-Type": "application/x-amz-json-1.1"}
# AssociateResourceToProfile's `Name` (API reference): letters, digits, '-', '_', ' ' and
# apostrophes, not all digits, at most 64.
PROFILE_ASSOCIATION_NAME = re.compile(r"(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)")
DEFAULT_ACCOUNT = "123456789012"
# What GetCommandInvocation answers of an invocation the fake keeps.
INVOCATION_FIELDS = ("Status", "StandardOutputContent", "StandardErrorContent", "ResponseCode")
REST_JSON = {"Content-Type": "application/json"}


def _json(payload, status=200, headers=JSON):
    return status, json.dumps(payload).encode(), headers


def _error(code, message, status=400):
    return _json({"__type": code, "message": message}, status)


class AwsExtras:
    def __init__(self, moto_url):
        self.moto_url = moto_url.rstrip("/")
        self.accounts = {}  # access key -> account, as moto maps it
        # Where moto runs in this process under IAM: access key -> account, and (account, zone
        # id) -> whether that account has the zone, read from its backends.
        self.account_of = None
        self.has_zone = None
        self.lock = threading.Lock()
        self.reset()
        self.proxy = FaultProxy(moto_url, judge=self.judge)
        self.url = self.proxy.url

    def stop(self):
        self.proxy.stop()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            # DNS Firewall: group id -> [rule], VPC id -> [(group id, priority)], list id -> domains
            self.firewall_rules = {}
            self.firewall_associations = {}
            self.domain_lists = {}
            self.managed_lists = set()
            # Profiles: VPC id -> [profile id]; profile id -> [resource association]
            self.profile_vpcs = {}
            self.profile_resources = {}
            self.profile_owners = {}  # profile id -> owning account, where a test names it
            # SSM: instance id -> ping status; command id -> invocation
            self.managed = {}
            self.commands = {}
            self.sent = []  # every SendCommand's request, as sent
            self.agent_env = {}  # the SSM agent's environment beyond this machine's own
            self.allowed = None  # access key -> IAM actions it may call; None: no IAM
            self.granted = []  # every action allowed under `allowed`, as called

    # What a test plants.
    def block(self, vpc_id, domains, action="BLOCK", priority=100, group_priority=101,
              group_id="rslvr-frg-0000000000000001", qtype=None):
        """A rule group associated with `vpc_id` holding one rule over `domains` (for queries
        of type `qtype` only, where given)."""
        list_id = f"rslvr-fdl-{uuid.uuid4().hex[:16]}"
        self.domain_lists[list_id] = list(domains)
        self.firewall_rules.setdefault(group_id, []).append({
            "FirewallRuleGroupId": group_id, "FirewallDomainListId": list_id,
            "Name": f"{action.lower()}-{len(self.domain_lists)}", "Priority": priority,
            "Action": action, "BlockResponse": "NXDOMAIN" if action == "BLOCK" else None,
            "Qtype": qtype,
        })
        associations = self.firewall_associations.setdefault(vpc_id, [])
        if all(g != group_id for g, _ in associations):
            associations.append((group_id, group_priority))
        return list_id

    def _bring(self, vpc_id, profile_id, resource):
        profiles = self.profile_vpcs.setdefault(vpc_id, [])
        if profile_id not in profiles:
            profiles.append(profile_id)
        self.profile_resources.setdefault(profile_id, []).append(resource)
        return profile_id

    def share_profile(self, vpc_id, profile_id, owner):
        """Profile `profile_id` of account `owner` (shared through RAM), associated with
        `vpc_id`, carrying nothing yet."""
        self.profile_owners[profile_id] = owner
        profiles = self.profile_vpcs.setdefault(vpc_id, [])
        if profile_id not in profiles:
            profiles.append(profile_id)
        self.profile_resources.setdefault(profile_id, [])
        return profile_id

    def carry(self, vpc_id, zone_id, profile_id="rp-0000000000000001", owner="123456789012",
              name=None):
        """A Route 53 Profile associated with `vpc_id` that carries private zone `zone_id`; the
        association is named `name` (the console names it after the zone), else the zone id."""
        zone_id = zone_id.split("/")[-1]
        return self._bring(vpc_id, profile_id, {
            "type": "AWS::Route53::HostedZone", "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "name": name or zone_id, "owner": owner})

    def carry_rule(self, vpc_id, rule_id, profile_id="rp-0000000000000001",
                   owner="123456789012", region="us-west-2"):
        """A Profile that brings Resolver rule `rule_id` (moto's) to `vpc_id`."""
        return self._bring(vpc_id, profile_id, {
            "type": "AWS::Route53Resolver::ResolverRule",
            "arn": f"arn:aws:route53resolver:{region}:{owner}:resolver-rule/{rule_id}",
            "name": rule_id, "owner": owner})

    def carry_firewall(self, vpc_id, domains, action="BLOCK", priority=100, group_priority=101,
                       profile_id="rp-0000000000000001", owner="123456789012",
                       group_id="rslvr-frg-00000000000profile", region="us-west-2"):
        """A Profile that brings a DNS Firewall rule group (one rule over `domains`) to
        `vpc_id`, at `group_priority` among the VPC's groups."""
        list_id = f"rslvr-fdl-{uuid.uuid4().hex[:16]}"
        self.domain_lists[list_id] = list(domains)
        self.firewall_rules.setdefault(group_id, []).append({
            "FirewallRuleGroupId": group_id, "FirewallDomainListId": list_id,
            "Name": f"profile-{action.lower()}-{len(self.domain_lists)}", "Priority": priority,
            "Action": action, "BlockResponse": "NXDOMAIN" if action == "BLOCK" else None})
        self._bring(vpc_id, profile_id, {
            "type": "AWS::Route53Resolver::FirewallRuleGroup",
            "arn": f"arn:aws:route53resolver:{region}:{owner}:firewall-rule-group/{group_id}",
            "name": group_id, "owner": owner,
            "properties": json.dumps({"priority": group_priority})})
        return list_id

    def manage(self, instance_id, ping="Online"):
        self.managed[instance_id] = ping

    # IAM, as AWS enforces it for the calls answered here (moto enforces its own): with
    # `allowed` set (access key -> the actions it may call), any other call is refused.
    def iam_action(self, path, action):
        if action.startswith("Route53Resolver."):
            return "route53resolver:" + action.split(".", 1)[1]
        if action.startswith("AmazonSSM."):
            return "ssm:" + action.split(".", 1)[1]
        if path.startswith("/profileassociations"):
            return "route53profiles:ListProfileAssociations"
        if path.startswith("/profileresourceassociations"):
            return "route53profiles:ListProfileResourceAssociations"
        if path.startswith("/profileresourceassociation"):
            return ("route53profiles:AssociateResourceToProfile" if action == "POST"
                    else "route53profiles:DisassociateResourceFromProfile")
        if path.startswith("/profile/"):
            return "route53profiles:GetProfile"
        if path.startswith("/profiles"):
            return "route53profiles:ListProfiles"
        return None

    def denied(self, path, action, method="GET"):
        if self.allowed is None:
            return None
        iam_action = self.iam_action(path, method if path.startswith("/profile") else action)
        if iam_action is None:
            return None
        key = re.search(r"Credential=([A-Z0-9]+)/", self.proxy.caller or "")
        grants = self.allowed.get(key.group(1) if key else "", set())
        if "*" in grants or iam_action in grants:
            self.granted.append(iam_action)
            return None
        headers = REST_JSON if iam_action.startswith("route53profiles") else JSON
        return _json({"__type": "AccessDeniedException",
                      "message": f"User is not authorized to perform: {iam_action}"}, 400, headers)

    # The protocols.
    def judge(self, method, path, action, body):
        refused = self.denied(path, action, method)
        if refused:
            return refused
        if action.startswith("Route53Resolver."):
            return self.resolver(action.split(".", 1)[1], json.loads(body or b"{}"))
        if action.startswith("AmazonSSM."):
            return self.ssm(action.split(".", 1)[1], json.loads(body or b"{}"))
        if path.startswith("/profileassociations") or path.startswith("/profileresourceassociations"):
            return self.profiles(path)
        if path.startswith("/profileresourceassociation") or path.startswith("/profile/"):
            return self.profile_change(method, path, json.loads(body or b"{}"))
        if path.startswith("/profiles"):
            return self.list_profiles()
        return None

    def list_profiles(self):
        """ListProfiles: the caller's own Profiles and those shared with it."""
        caller = self.caller_account()
        known = sorted(set(self.profile_owners) | set(self.profile_resources))
        summaries = []
        for profile_id in known:
            owner = self._profile_owner(profile_id)
            summaries.append({
                "Id": profile_id, "Name": profile_id,
                "Arn": f"arn:aws:route53profiles:us-west-2:{owner}:profile/{profile_id}",
                "ShareStatus": "SHARED_BY_ME" if owner == caller else "SHARED_WITH_ME"})
        return _json({"ProfileSummaries": summaries}, headers=REST_JSON)

    # The caller, as moto knows it.
    def _caller_key(self):
        key = re.search(r"Credential=([A-Z0-9]+)/", self.proxy.caller or "")
        return key.group(1) if key else ""

    def _moto(self, key, service, method, path, body=None):
        """A call to moto as the holder of access key `key` (moto reads the account from the
        key and the service from the credential scope; it checks no signature)."""
        auth = (f"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0")
        headers = {"Authorization": auth}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.moto_url + path, data=body, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def caller_account(self):
        key = self._caller_key()
        if self.account_of is not None:
            return self.account_of(key)
        if key not in self.accounts:
            _, text = self._moto(key, "sts", "POST", "/",
                                 b"Action=GetCallerIdentity&Version=2011-06-15")
            found = re.search(r"<Account>(\d{12})</Account>", text)
            self.accounts[key] = found.group(1) if found else DEFAULT_ACCOUNT
        return self.accounts[key]

    def _profile_owner(self, profile_id):
        if profile_id in self.profile_owners:
            return self.profile_owners[profile_id]
        owners = [r["owner"] for r in self.profile_resources.get(profile_id, [])]
        return owners[0] if owners else DEFAULT_ACCOUNT

    def _known_profile(self, profile_id):
        return profile_id in self.profile_owners or profile_id in self.profile_resources

    def profile_change(self, method, path, request):
        """GetProfile, AssociateResourceToProfile, DisassociateResourceFromProfile."""
        def refuse(code, message, status=400):
            return _json({"__type": code, "Message": message}, status, REST_JSON)
        caller = self.caller_account()
        if path.startswith("/profile/"):
            profile_id = path.split("?")[0].rsplit("/", 1)[-1]
            if not self._known_profile(profile_id):
                return refuse("ResourceNotFoundException", f"no Profile {profile_id}", 404)
            owner = self._profile_owner(profile_id)
            return _json({"Profile": {
                "Id": profile_id, "Name": profile_id, "OwnerId": owner, "Status": "COMPLETE",
                "Arn": f"arn:aws:route53profiles:us-west-2:{owner}:profile/{profile_id}",
                "ShareStatus": "SHARED_BY_ME" if caller == owner else "SHARED_WITH_ME"}},
                headers=REST_JSON)
        if method == "POST":
            profile_id, arn = request.get("ProfileId", ""), request.get("ResourceArn", "")
            name = request.get("Name", "")
        else:
            parts = path.split("?")[0].split("/")
            profile_id, arn, name = unquote(parts[3]), unquote("/".join(parts[5:])), None
        if not self._known_profile(profile_id):
            return refuse("ResourceNotFoundException", f"no Profile {profile_id}", 404)
        owner = self._profile_owner(profile_id)
        if caller != owner:
            return refuse("AccessDeniedException",
                          f"Profile {profile_id} belongs to account {owner}: only it changes "
                          "what the Profile carries", 403)
        resources = self.profile_resources.setdefault(profile_id, [])
        present = [r for r in resources if r["arn"] == arn]
        if method == "DELETE":
            if not present:
                return refuse("ResourceNotFoundException", f"{arn} is not in {profile_id}", 404)
            resources.remove(present[0])
            return _json({"ProfileResourceAssociation": {
                "ProfileId": profile_id, "ResourceArn": arn, "Status": "DELETING"}},
                headers=REST_JSON)
        if name is None or len(name) > 64 or not PROFILE_ASSOCIATION_NAME.fullmatch(name):
            return refuse("ValidationException", f"Name {name!r} does not match the pattern")
        if present:
            return refuse("ConflictException", f"{arn} is already associated with {profile_id}",
                          409)
        zone = re.fullmatch(r"arn:aws:route53:::hostedzone/([A-Z0-9]+)", arn)
        if not zone:
            return refuse("InvalidParameterException", f"{arn} is not a hosted zone's ARN")
        if self.has_zone is not None:
            found = self.has_zone(caller, zone.group(1))
        else:
            found = self._moto(self._caller_key(), "route53", "GET",
                               f"/2013-04-01/hostedzone/{zone.group(1)}")[0] == 200
        if not found:
            return refuse("ResourceNotFoundException",
                          f"account {caller} has no hosted zone {zone.group(1)}", 404)
        resource = {"type": "AWS::Route53::HostedZone", "arn": arn, "name": name,
                    "owner": owner}
        resources.append(resource)
        return _json({"ProfileResourceAssociation": {
            "Id": f"rpr-{arn[-8:]}", "Name": name, "OwnerId": owner, "ProfileId": profile_id,
            "ResourceArn": arn, "ResourceType": resource["type"], "Status": "CREATING"}},
            headers=REST_JSON)

    def resolver(self, operation, request):
        if operation == "ListFirewallRuleGroupAssociations":
            vpc = request.get("VpcId")
            found = [{"Id": f"rslvr-frgassoc-{g[-8:]}", "FirewallRuleGroupId": g, "VpcId": v,
                      "Name": f"assoc-{g}", "Priority": p, "Status": "COMPLETE",
                      "MutationProtection": "DISABLED"}
                     for v, groups in self.firewall_associations.items() if vpc in (None, v)
                     for g, p in groups]
            return _json({"FirewallRuleGroupAssociations": found})
        if operation == "ListFirewallRules":
            group = request["FirewallRuleGroupId"]
            rules = [{k: v for k, v in r.items() if v is not None}
                     for r in self.firewall_rules.get(group, [])]
            return _json({"FirewallRules": rules})
        if operation == "ListFirewallDomainLists":
            lists = [{"Id": i, "Arn": f"arn:aws:route53resolver:us-west-2:123456789012:firewall-domain-list/{i}",
                      "Name": i, **({"ManagedOwnerName": "Route 53 Resolver DNS Firewall"}
                                    if i in self.managed_lists else {})}
                     for i in self.domain_lists]
            return _json({"FirewallDomainLists": lists})
        if operation == "ListFirewallDomains":
            list_id = request["FirewallDomainListId"]
            if list_id in self.managed_lists:
                return _error("ValidationException", "the domains of a managed list cannot be listed")
            if list_id not in self.domain_lists:
                return _error("ResourceNotFoundException", f"no domain list {list_id}")
            return _json({"Domains": self.domain_lists[list_id]})
        return None  # Resolver rules, endpoints: moto's

    def profiles(self, path):
        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/profileassociations":
            vpc, wanted = query.get("resourceId"), query.get("profileId")
            found = [{"Id": f"rpassoc-{p[-8:]}-{v[-4:]}", "Name": f"{p}-{v}", "ProfileId": p,
                      "ResourceId": v, "Status": "COMPLETE", "OwnerId": "123456789012"}
                     for v, profiles in self.profile_vpcs.items() if vpc in (None, v)
                     for p in profiles if wanted in (None, p)]
            return _json({"ProfileAssociations": found}, headers=REST_JSON)
        profile = url.path.rsplit("/", 1)[-1]
        kind = query.get("resourceType")
        found = [{"Id": f"rpr-{r['arn'][-8:]}", "Name": r["name"], "ProfileId": profile,
                  "OwnerId": r["owner"], "ResourceArn": r["arn"], "ResourceType": r["type"],
                  "Status": "COMPLETE",
                  **({"ResourceProperties": r["properties"]} if "properties" in r else {})}
                 for r in self.profile_resources.get(profile, [])
                 if kind in (None, r["type"])]
        return _json({"ProfileResourceAssociations": found}, headers=REST_JSON)

    def list_invocations(self, request):
        if not 1 <= request.get("MaxResults", 50) <= 50:
            return _error("ValidationException", "MaxResults must be 1 to 50")
        filters = {f["key"]: f["value"] for f in request.get("Filters", [])}
        if "ExecutionStage" in filters:
            return _error("InvalidFilterKey", "ExecutionStage is only for ListCommands")
        after = filters.get("InvokedAfter")
        after = datetime.datetime.fromisoformat(after.replace("Z", "+00:00")).timestamp() \
            if after else None
        found = []
        for command_id, inv in sorted(self.commands.items(), key=lambda kv: -kv[1]["requested"]):
            if "DocumentName" in filters and inv["document"] != filters["DocumentName"]:
                continue
            if after is not None and inv["requested"] < after:
                continue
            item = {"CommandId": command_id, "InstanceId": inv["instance"],
                    "Comment": inv["comment"], "DocumentName": inv["document"],
                    "RequestedDateTime": inv["requested"], "Status": inv["Status"],
                    "StatusDetails": inv["Status"]}
            if request.get("Details"):
                output = inv["StandardOutputContent"]
                if inv["StandardErrorContent"]:
                    output += "\n----------ERROR-------\n" + inv["StandardErrorContent"]
                item["CommandPlugins"] = [{"Name": "aws:runShellScript", "Status": inv["Status"],
                                           "ResponseCode": inv["ResponseCode"],
                                           "Output": output[:2500]}]
            found.append(item)
        start = int(request.get("NextToken") or 0)
        size = request.get("MaxResults", 50)
        page = {"CommandInvocations": found[start:start + size]}
        if start + size < len(found):
            page["NextToken"] = str(start + size)
        return _json(page)

    def ssm(self, operation, request):
        if operation == "DescribeInstanceInformation":
            wanted = [v for f in request.get("Filters", []) if f["Key"] == "InstanceIds"
                      for v in f["Values"]]
            found = [{"InstanceId": i, "PingStatus": ping, "PlatformType": "Linux",
                      "PlatformName": "Amazon Linux", "AgentVersion": "3.3.0.0"}
                     for i, ping in self.managed.items() if not wanted or i in wanted]
            return _json({"InstanceInformationList": found})
        if operation == "SendCommand":
            self.sent.append(request)
            if request.get("DocumentName") != "AWS-RunShellScript":
                return _error("InvalidDocument", "only AWS-RunShellScript here")
            [instance] = request["InstanceIds"]
            if self.managed.get(instance) != "Online":
                return _error("InvalidInstanceId", "Instances not in a valid state for account")
            command_id = str(uuid.uuid4())
            invocation = {"Status": "InProgress", "StandardOutputContent": "",
                          "StandardErrorContent": "", "ResponseCode": -1, "asked": 0,
                          "instance": instance, "comment": request.get("Comment", ""),
                          "document": request["DocumentName"], "requested": time.time()}
            self.commands[command_id] = invocation
            script = "\n".join(request["Parameters"]["commands"])

            def run():
                try:
                    # The agent's commands inherit its environment (proxies among it).
                    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
                    env.update(self.agent_env)
                    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                                          env=env,
                                          timeout=int(request["Parameters"].get("executionTimeout", ["60"])[0]))
                    invocation.update(Status="Success" if done.returncode == 0 else "Failed",
                                      StandardOutputContent=done.stdout,
                                      StandardErrorContent=done.stderr,
                                      ResponseCode=done.returncode)
                except subprocess.TimeoutExpired:
                    invocation.update(Status="TimedOut", ResponseCode=-1)

            threading.Thread(target=run, daemon=True).start()
            return _json({"Command": {"CommandId": command_id, "DocumentName": "AWS-RunShellScript",
                                      "InstanceIds": [instance], "Status": "Pending"}})
        if operation == "GetCommandInvocation":
            invocation = self.commands.get(request["CommandId"])
            if invocation is None:
                return _error("InvalidCommandId", "no such command")
            invocation["asked"] += 1
            if invocation["asked"] == 1:
                return _error("InvocationDoesNotExist", "the invocation is not there yet")
            return _json({"CommandId": request["CommandId"], "InstanceId": request["InstanceId"],
                          **{k: v for k, v in invocation.items() if k in INVOCATION_FIELDS}})
        if operation == "ListCommandInvocations":
            return self.list_invocations(request)
        return None
