"""A customer's world, seeded into moto's server and the Zilliz fake: shared by the end-to-end
tests, the benchmarks and the playground (scripts/playground)."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3

REGION = "us-west-2"
API_KEY = "zk-test-key-9f8e7d6c5b4a"
AWS_SECRET = "moto-secret-key-0a1b2c3d4e5f"
PROJECT = "proj-4487580fcfe2c8a4391686"
CLUSTER = "in01-840ec44485bf25d"
CLUSTER_PORT = 19531
# The public address's port differs from the private link's, as in Zilliz's own examples.
PUBLIC_PORT = 19538


def start_moto(port, env=None):
    """moto's server on 127.0.0.1:port, from the running Python's environment: (process, url).
    `env` adds to its environment (`INITIAL_NO_AUTH_ACTION_COUNT` makes it enforce IAM)."""
    # moto's own server, taught the AWS behaviour moto lacks (moto_real.py).
    taught = Path(__file__).resolve().parent / "moto_real.py"
    proc = subprocess.Popen([sys.executable, str(taught), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)


# The keys the seed and the tests' own clients use; an IAM-enforcing emulator has them
# replaced with an administrator's.
CREDENTIALS = {"aws_access_key_id": "AKIAMOTOTESTKEY00001", "aws_secret_access_key": AWS_SECRET}


def boto(service, moto_url, region=REGION):
    return boto3.client(service, region_name=region, endpoint_url=moto_url, **CREDENTIALS)


class World:
    """What the seed made, by name."""


def add_app_vpc(ec2, cidr_prefix, name, region=REGION):
    """Another application VPC with DNS attributes on and subnets in the service's two
    zones: (vpc id, {zone letter: subnet id})."""
    vpc = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc",
                                             "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = {az: ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr_prefix}.{i}.0/24",
                                     AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")}
    return vpc, subnets


def add_service_region(moto_url, fake, region):
    """Zilliz's endpoint service in another region (an NLB in a provider VPC there), known to
    the Zilliz fake: its AWS service name."""
    ec2 = boto("ec2", moto_url, region)
    elb = boto("elbv2", moto_url, region)
    provider = ec2.create_vpc(CidrBlock="10.201.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=provider, CidrBlock=f"10.201.{i}.0/24",
                                 AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")]
    nlb = elb.create_load_balancer(Name=f"zilliz-nlb-{region}", Subnets=subnets,
                                   Scheme="internal", Type="network")
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb["LoadBalancers"][0]["LoadBalancerArn"]],
        AcceptanceRequired=False)["ServiceConfiguration"]["ServiceName"]
    fake.add_service(f"aws-{region}", service)
    return service


def seed_world(moto_url, fake):
    """A customer's world: Zilliz's endpoint service behind an NLB in two zones of a provider
    VPC, and a customer VPC with DNS attributes on, subnets in three zones, security groups."""
    ec2 = boto("ec2", moto_url)
    elb = boto("elbv2", moto_url)
    w = World()

    provider = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    provider_subnets = [
        ec2.create_subnet(VpcId=provider, CidrBlock=f"10.200.{i}.0/24",
                          AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    nlb = elb.create_load_balancer(Name="zilliz-nlb", Subnets=provider_subnets,
                                   Scheme="internal", Type="network")
    nlb_arn = nlb["LoadBalancers"][0]["LoadBalancerArn"]
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb_arn], AcceptanceRequired=False)
    w.service_name = service["ServiceConfiguration"]["ServiceName"]

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc",
                                             "Tags": [{"Key": "Name", "Value": "app-vpc"}]}])
    w.vpc = vpc["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=w.vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=w.vpc, EnableDnsHostnames={"Value": True})
    w.subnets = {}
    for i, az in enumerate("abc"):
        subnet = ec2.create_subnet(
            VpcId=w.vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}",
            TagSpecifications=[{"ResourceType": "subnet",
                                "Tags": [{"Key": "Name", "Value": f"app-{az}"}]}])
        w.subnets[az] = subnet["Subnet"]["SubnetId"]
    w.app_sg = ec2.create_security_group(GroupName="app", Description="app servers",
                                         VpcId=w.vpc)["GroupId"]
    w.endpoint_sg = ec2.create_security_group(GroupName="zilliz-endpoint",
                                              Description="endpoint", VpcId=w.vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=w.endpoint_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": CLUSTER_PORT, "ToPort": CLUSTER_PORT,
        "UserIdGroupPairs": [{"GroupId": w.app_sg, "Description": "app servers"}],
    }])

    w.other_vpc = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    w.other_subnet = ec2.create_subnet(VpcId=w.other_vpc, CidrBlock="172.16.0.0/24",
                                       AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]

    fake.add_project(PROJECT)
    fake.add_cluster(CLUSTER, PROJECT, f"aws-{REGION}", port=CLUSTER_PORT, public_port=PUBLIC_PORT)
    fake.add_cluster("in01-0000000000aaaaa", "proj-0000000000000000000000", "gcp-us-west1",
                     name="elsewhere", plan="Standard")
    fake.add_service(f"aws-{REGION}", w.service_name)
    w.ec2 = ec2
    w.moto_url = moto_url
    return w


