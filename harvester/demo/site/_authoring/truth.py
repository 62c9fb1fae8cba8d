"""Write demo_truth.yaml, the sample seed files and site/README.md from the same spec as the pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import yaml
from spec import SOCIAL


class NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


CLUSTER_NAMES = {
    "bristol": "Bristol and Bath (sample)",
    "cardiff": "Cardiff and Newport (sample)",
    "salford": "MediaCityUK Salford (sample)",
}
AREAS = {"bristol": ["BS", "BA"], "cardiff": ["CF", "NP"], "salford": ["M"]}
PLAN = {
    "bristol": dict(
        bridge="cumberlandbasin-studios.co.uk",
        balance=None,
        inter_cluster=dict(
            source="brunelgate.ac.uk",
            target="canton-creative.org.uk",
            target_cluster="cardiff",
            kind="partner",
        ),
    ),
    "cardiff": dict(bridge="baymakers-network.wales", balance=None, inter_cluster=None),
    "salford": dict(bridge="huronbasin-studios.co.uk", balance="langworthy-media.org.uk", inter_cluster=None),
}


def dom(url: str) -> str:
    host = url.split("://", 1)[1].split("/", 1)[0]
    return host[4:] if host.startswith("www.") else host


def site_truth(s, keys: set[str]) -> dict:
    o = s.o
    emails = [a for a, _m in o["emails"]] + [p[2] for p in o["people"] if p[2]]
    emails = sorted(set(emails))
    people = []
    for p in o["people"]:
        row = {"name": p[0], "role": p[1], "email": p[2]}
        if len(p) > 4:
            row["role_cy"] = p[4]
        people.append(row)
    links = [
        {"url": u, "domain": dom(u), "kind": k, "label": label, "in_warc": dom(u) in keys}
        for k, u, label in o["links"]
    ]
    platforms = [SOCIAL[x][0].format(h=s.handle()) for x in o.get("social", [])]
    dropped = []
    if s.style != "bilingual":
        dropped.append("https://www.google.com/maps?q=" + o["postcode"].replace(" ", "%20"))
    if o.get("ga"):
        dropped.append("https://www.googletagmanager.com/gtag/js?id=G-SAMPLE0001")
    if o.get("wix"):
        dropped.append("https://www.wix.com/?utm_campaign=vir_created_with")
    if o.get("wp_credit"):
        dropped.append("https://wordpress.org/")
    not_extract = []
    if o.get("private"):
        not_extract.append(f"internal.directory@{o['key']}")
    if o.get("robots_product"):
        not_extract.append(f"draft-leak@{o['key']}")
    modes = sorted({m for _a, m in o["emails"]} | {p[3] for p in o["people"] if p[3]})
    t = {
        "name": o["name"],
        "cluster": o["cluster"],
        "seed": o["seed"],
        "homepage": f"https://{o['host']}/",
        "sector": o["sector"],
        "markup": o["style"],
        "schema_type": o.get("schema"),
        "domain_areas": o["domains"],
        "emails": emails,
        "phones": sorted({p[1] for p in o["phones"]}),
        "postcodes": [o["postcode"], *o.get("extra_postcodes", [])],
        "people": people,
        "charity_numbers": [o["charity"]] if o.get("charity") else [],
        "company_numbers": [o["company"]] if o.get("company") else [],
        "links": links,
        "social": platforms,
        "platform_links_dropped": dropped,
        "must_not_extract": not_extract,
        "email_presentations": modes,
        "pages": sorted(
            f"https://{o['host']}{quote(p, safe='/?=')}"
            for p in s.files
            if "calendar?" not in p and not p.startswith(("/drafts/", f"/{o.get('private')}/"))
        ),
    }
    if o.get("welsh_name"):
        t["welsh_name"] = o["welsh_name"]
    if o.get("seed_url"):
        t["seed_url"] = o["seed_url"]
    return t


def cluster_truth(cluster: str, sites: list, keys: set[str], groups: list[dict]) -> dict:
    mine = [s for s in sites if s.o["cluster"] == cluster]
    seeds = [s for s in mine if s.o["seed"]]
    seed_keys = {s.o["key"] for s in seeds}
    linked: dict[str, list] = {}
    for s in seeds:
        for kind, url, _label in s.o["links"]:
            d = dom(url)
            if d not in seed_keys:
                linked.setdefault(d, []).append({"from": s.o["key"], "kind": kind})
    communities = {g: sorted(s.o["key"] for s in seeds if s.o.get("group") == g) for g in ("A", "B")}
    contactable, generic, unnamed = [], [], []
    for s in mine:
        if s.o["seed"]:
            continue
        named = [p for p in s.o["people"] if p[2]]
        if named:
            contactable.append(
                {"domain": s.o["key"], "person": named[0][0], "role": named[0][1], "email": named[0][2]}
            )
        elif s.o["people"]:
            unnamed.append(
                {
                    "domain": s.o["key"],
                    "person": s.o["people"][0][0],
                    "role": s.o["people"][0][1],
                    "email": s.o["emails"][0][0],
                }
            )
        else:
            generic.append({"domain": s.o["key"], "email": s.o["emails"][0][0]})
    plan = PLAN[cluster]
    bridge = plan["bridge"]
    froms = {x["from"] for x in linked[bridge]}
    assert any(f in communities["A"] for f in froms) and any(f in communities["B"] for f in froms), bridge
    # no other candidate joins the two communities
    for d, rows in linked.items():
        f = {x["from"] for x in rows}
        joins = any(x in communities["A"] for x in f) and any(x in communities["B"] for x in f)
        assert joins == (d == bridge), (cluster, d)
    out = {
        "name": CLUSTER_NAMES[cluster],
        "postcode_areas": AREAS[cluster],
        "seeds": sorted(seed_keys),
        "communities": communities,
        "co_linked": sorted(
            (
                {"domain": d, "linked_from": rows}
                for d, rows in linked.items()
                if len({x["from"] for x in rows}) >= 2
            ),
            key=lambda r: r["domain"],
        ),
        "weak": sorted(d for d, rows in linked.items() if len({x["from"] for x in rows}) == 1),
        "bridge": {"domain": bridge, "joins": {k: list(v) for k, v in communities.items()}},
        "contactable_candidates": contactable,
        "generic_contact_only": generic,
        "person_without_email": unnamed,
        "external_not_in_warc": sorted(
            (
                {"url": u, "domain": dom(u), "kind": k, "linked_from": s.o["key"]}
                for s in mine
                for k, u, _l in s.o["links"]
                if dom(u) not in keys
            ),
            key=lambda r: r["domain"],
        ),
        "meetup_groups": [
            f"https://www.meetup.com/{g['urlname']}/" for g in groups if g["cluster"] == cluster
        ],
    }
    if plan["balance"]:
        b = plan["balance"]
        sectors = sorted({s.o["sector"] for s in seeds})
        assert "third_sector" not in sectors
        out["balance"] = {
            "domain": b,
            "sector": "third_sector",
            "seed_sectors": sectors,
            "linked_from": linked[b],
        }
    else:
        out["balance"] = None
    out["inter_cluster"] = plan["inter_cluster"]
    return out


def meetup_truth(groups: list[dict]) -> list[dict]:
    rows = []
    for g in groups:
        vid, vname, addr, city, pc, vorg = g["venue"]
        rows.append(
            {
                "url": f"https://www.meetup.com/{g['urlname']}/",
                "urlname": g["urlname"],
                "id": g["id"],
                "events_url": f"https://www.meetup.com/{g['urlname']}/events/",
                "past_events_url": f"https://www.meetup.com/{g['urlname']}/events/past/",
                "past_events": sum(ev["status"] == "PAST" for ev in g["events"]),
                "name": g["name"],
                "cluster": g["cluster"],
                "city": g["city"],
                "members": g["members"],
                "organiser": g["organizer"][1],
                "owner_website": g["owner"][0],
                "owner_domain": g["owner"][1],
                "topics": [t[1] for t in g["topics"]],
                "sponsors": [{"name": s[0], "url": s[1], "domain": s[3]} for s in g["sponsors"]],
                "pro_network": g["pro_network"][0] if g.get("pro_network") else None,
                "venue": {
                    "id": vid,
                    "name": vname,
                    "address": addr,
                    "city": city,
                    "postcode": pc,
                    "matches_domain": vorg,
                },
                "events": [
                    {
                        "id": ev["id"],
                        "title": ev["title"],
                        "start": ev["dateTime"],
                        "event_type": ev["eventType"],
                        "status": ev["status"],
                        "jsonld_type": ev["ld"],
                        "url": f"https://www.meetup.com/{g['urlname']}/events/{ev['id']}/",
                        "venue": None if ev.get("online") else vname,
                    }
                    for ev in g["events"]
                ],
            }
        )
    return rows


def seeds_yaml(cluster: str, sites: list, groups: list[dict]) -> str:
    lines = [
        "# Sample seed file for the offline demo (`harvester demo`). Every organisation here is",
        "# FICTIONAL; their websites exist only in harvester/demo/sample.warc.gz.",
        f"cluster: {cluster}",
        f"name: {CLUSTER_NAMES[cluster]}",
        f"postcode_areas: [{', '.join(AREAS[cluster])}]",
        "organisations:",
    ]
    for s in sites:
        o = s.o
        if o["cluster"] != cluster or not o["seed"]:
            continue
        lines += [
            f"  - name: {o['name']}",
            f"    url: {o.get('seed_url', 'https://' + o['host'] + '/')}",
            f"    sector: {o['sector']}",
            f"    domains: [{', '.join(o['domains'])}]",
        ]
    lines += ["meetup:", "  groups:"]
    lines += [f"    - https://www.meetup.com/{g['urlname']}/" for g in groups if g["cluster"] == cluster]
    return "\n".join(lines) + "\n"


def write_all(repo: Path, sites: list, groups: list[dict]) -> None:
    keys = {s.o["key"] for s in sites}
    truth = {
        "about": (
            "Expected facts of the bundled offline sample (harvester/demo/sample.warc.gz). Generated "
            "together with the pages; see harvester/demo/site/README.md for what each site plants."
        ),
        "sites": {s.o["key"]: site_truth(s, keys) for s in sites},
        "clusters": {c: cluster_truth(c, sites, keys, groups) for c in ("bristol", "cardiff", "salford")},
        "meetup": meetup_truth(groups),
        "planted_404": sorted(
            [f"https://{s.o['host']}{p}" for s in sites for p in s.settings().get("missing", [])]
        ),
        "redirects": sorted(
            [
                {"url": f"http://{s.o['host']}/", "to": f"https://{s.o['host']}/"}
                for s in sites
                if s.o.get("http_redirect")
            ]
            + [
                {"url": f"{sch}://{a}/", "to": f"https://{s.o['host']}/"}
                for s in sites
                for a in s.o.get("aliases", [])
                for sch in ("https", "http")
            ]
            + [
                {"url": f"https://{s.o['host']}{src}", "to": f"https://{s.o['host']}{dst}"}
                for s in sites
                for src, dst in (s.settings().get("redirects") or {}).items()
            ],
            key=lambda r: r["url"],
        ),
        "calendar_trap": {
            "site": "kingsweston-arts.org.uk",
            "first": "https://www.kingsweston-arts.org.uk/events/calendar?month=1",
            "pages_in_warc": 40,
            "page_budget": 30,
        },
        "robots": {
            "disallowed_urls": sorted(
                [f"https://{s.o['host']}/{s.o['private']}/directory/" for s in sites if s.o.get("private")]
                + [f"https://{s.o['host']}/drafts/new-studio/" for s in sites if s.o.get("robots_product")]
            ),
            "crawl_delay": {s.o["key"]: s.o["crawl_delay"] for s in sites if s.o.get("crawl_delay")},
        },
    }
    out = repo / "tests/fixtures/demo_truth.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Ground truth of the offline sample, written by harvester/demo/site/_authoring/gen.py together\n"
        "# with the pages: change the spec there and regenerate, never one file by hand.\n"
    )
    out.write_text(
        header + yaml.dump(truth, Dumper=NoAliases, sort_keys=False, allow_unicode=True, width=110),
        encoding="utf-8",
    )
    seeds = repo / "harvester/demo/seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for c in ("bristol", "cardiff", "salford"):
        (seeds / f"{c}.yaml").write_text(seeds_yaml(c, sites, groups), encoding="utf-8")
