"""moto's server, taught the AWS rules the server relies on where moto differs and a patch is
cheap. Run as `python fakes/moto_real.py -H HOST -p PORT` (moto_server's own arguments), or
call `teach()` before starting moto in this process.

- Route 53 `ListHostedZonesByName` with a `DNSName`: AWS lists the account's zones in order of
  their names with the labels reversed (`com.zillizcloud.vectordb.`), from that name on, so a
  domain's subdomains follow it. moto answers only the zones named exactly so.
"""

import sys


def _reversed_labels(name):
    labels = name.rstrip(".").lower().split(".")
    return ".".join(reversed(labels)) + "."


def teach():
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend, "_zpl_taught", False):
        return

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
