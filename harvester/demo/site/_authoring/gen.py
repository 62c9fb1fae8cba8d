"""Write harvester/demo/site/**, seeds and tests/fixtures/demo_truth.yaml from spec.py + meetup.py."""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from meetup import GROUPS, write_meetup  # noqa: E402
from spec import ORGS, SOCIAL  # noqa: E402

REPO = Path(__file__).resolve().parents[4]
SITE = REPO / "harvester/demo/site"
KIND_TITLES = {
    "partner": "Our partners",
    "funder": "Funded by",
    "sponsor": "We sponsor",
    "client": "Selected clients",
    "member_of": "Members and residents",
    "links_to": "Useful links",
}
SPONSORED = {"cy": "Corff a noddir gan Lywodraeth Cymru.", "en": "A Welsh Government sponsored body."}
WELSH_WELCOME = {
    "cy": "Rydym yn croesawu gohebiaeth yn Gymraeg.",
    "en": "We welcome correspondence in Welsh.",
}
WELSH_KIND_TITLES = {"partner": "Ein partneriaid", "funder": "Ariennir gan"}
e = html.escape


def cf_encode(addr: str, key: int) -> str:
    return f"{key:02x}" + "".join(f"{ord(ch) ^ key:02x}" for ch in addr)


def entity(s: str) -> str:
    return "".join(f"&#{ord(ch)};" for ch in s)


def email_html(addr: str, mode: str) -> str:
    if mode == "mailto":
        return f'<a href="mailto:{addr}">{addr}</a>'
    if mode == "entity":
        return f'<a href="{entity("mailto:" + addr)}">{entity(addr)}</a>'
    if mode == "cf":
        key = int(hashlib.sha1(addr.encode()).hexdigest()[:2], 16) | 0x10
        h = cf_encode(addr, key)
        return (
            f'<a href="/cdn-cgi/l/email-protection#{h}"><span class="__cf_email__" '
            f'data-cfemail="{h}">[email&#160;protected]</span></a>'
        )
    local, domain = addr.split("@")
    if mode == "obfuscated":
        return f"{local} [at] " + " [dot] ".join(domain.split("."))
    if mode == "obfuscated_paren":
        return f"{local} (at) " + " (dot) ".join(domain.split("."))
    raise ValueError(mode)


class Site:
    def __init__(self, org: dict):
        self.o = org
        self.host = org["host"]
        self.base = f"https://{self.host}"
        self.files: dict[str, str] = {}
        self.style = org["style"]
        plain = self.style == "plain"
        self.paths = {"home": "/"}
        if plain:
            self.paths["about"] = "/about.html"
            self.paths["contact"] = "/contact.html"
            if org.get("team_path"):
                self.paths["team"] = f"/{org['team_path']}.html"
            if org.get("partners_path"):
                self.paths["partners"] = f"/{org['partners_path']}.html"
        else:
            self.paths["about"] = f"/{org.get('about_path', 'about')}/"
            self.paths["contact"] = f"/{org.get('contact_path', 'contact')}/"
            team = org.get("team_path", "team")
            if team and org["people"]:
                self.paths["team"] = f"/{team}/"
            if org.get("partners_path", "partners") and org["links"]:
                self.paths["partners"] = f"/{org.get('partners_path', 'partners')}/"
        if org.get("cookie"):
            self.paths["privacy"] = "/privacy-policy/"
        if org.get("calendar"):
            self.paths["events"] = "/events/"
        if org.get("session_link"):
            self.paths["showreel"] = "/showreel/"
        self.nav_titles = {
            "home": "Home",
            "about": "About us",
            "contact": "Contact",
            "team": "Our team",
            "partners": org.get("partners_title", "Partners"),
            "privacy": "Privacy",
            "events": "What's on",
            "showreel": "Showreel",
        }

    # ---------------------------------------------------------------- layout
    def nav_href(self, key: str) -> str:
        href = self.paths[key]
        if key == "about" and self.o.get("about_noslash"):
            href = href.rstrip("/")
        return href

    def jsonld(self) -> str:
        o = self.o
        data = {
            "@context": "https://schema.org",
            "@type": o["schema"],
            "name": o["name"],
            "url": self.base + "/",
            "description": o["desc"],
            "telephone": o["phones"][0][0],
            "email": o["emails"][0][0] if o["emails"][0][1] in ("mailto",) else None,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": o["street"],
                "addressLocality": o["locality"],
                "postalCode": o["postcode"],
                "addressCountry": "GB",
            },
            "sameAs": [SOCIAL[s][0].format(h=self.handle()) for s in o.get("social", [])],
        }
        if o.get("welsh_name"):
            data["alternateName"] = o["welsh_name"]
        if o["schema"] == "CollegeOrUniversity":
            data["department"] = {
                "@type": "Organization",
                "name": o["tagline"].split(" — ")[0] if " — " in o["tagline"] else o["tagline"],
            }
        data = {k: v for k, v in data.items() if v is not None}
        return (
            '<script type="application/ld+json">\n'
            + json.dumps(data, indent=2, ensure_ascii=False)
            + "\n</script>\n"
        )

    def handle(self) -> str:
        return self.o["key"].split(".")[0].replace("-", "")

    def head(self, title: str, page: str, lang: str = "en-GB") -> str:
        o = self.o
        charset = o.get("charset", "utf-8")
        parts = [
            f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="{charset}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{e(title)}</title>\n",
            f'<meta name="description" content="{e(o["tagline"])}">\n',
            f'<link rel="canonical" href="{self.base}{quote(self.paths.get(page, "/"))}">\n',
        ]
        if self.style == "wordpress":
            parts.append(
                f"<link rel='stylesheet' id='wp-block-library-css' href='{self.base}/wp-includes/"
                "css/dist/block-library/style.min.css?ver=6.6' media='all' />\n"
                f'<meta name="generator" content="WordPress 6.6.2">\n'
            )
        if o.get("wix"):
            parts.append('<meta name="generator" content="Wix.com Website Builder">\n')
        if self.style == "jsonld" and page == "home" or self.style == "bilingual" and page == "home":
            parts.append(self.jsonld())
        if o.get("ga"):
            parts.append(
                '<script async src="https://www.googletagmanager.com/gtag/js?id=G-SAMPLE0001">'
                "</script>\n<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer."
                "push(arguments);}gtag('js',new Date());gtag('config','G-SAMPLE0001');</script>\n"
            )
        parts.append("</head>\n")
        return "".join(parts)

    def header(self) -> str:
        o = self.o
        items = "".join(
            f'<li><a href="{quote(self.nav_href(k))}">{e(self.nav_titles[k])}</a></li>'
            for k in self.paths
            if k not in ("privacy", "showreel")
        )
        if self.style == "wordpress":
            return (
                f'<body class="page-template-default page wp-custom-logo">\n<div id="page" class="site">\n'
                f'<a class="skip-link screen-reader-text" href="#content">Skip to content</a>\n'
                f'<header id="masthead" class="site-header"><div class="site-branding">'
                f'<a href="/" class="custom-logo-link" rel="home"><img src="/wp-content/uploads/logo.png" '
                f'class="custom-logo" alt="{e(o["short"])}"></a><p class="site-title"><a href="/" '
                f'rel="home">{e(o["short"])}</a></p></div>\n'
                f'<nav id="site-navigation" class="main-navigation">'
                f'<ul id="primary-menu" class="menu">{items}</ul></nav></header>\n'
                f'<div id="content" class="site-content">\n'
            )
        if self.style == "plain":
            return (
                f'<body>\n<table width="100%"><tr><td><a href="/"><b>{e(o["short"])}</b></a></td>'
                f"<td>{items.replace('<li>', ' | ').replace('</li>', '')}</td></tr></table>\n<hr>\n"
            )
        return (
            f'<body>\n<header class="site-header"><a class="brand" href="/">{e(o["short"])}</a>\n'
            f'<nav aria-label="Main"><ul>{items}</ul></nav></header>\n<main id="main">\n'
        )

    def footer(self) -> str:
        o = self.o
        reg = ""
        if o.get("company_text"):
            reg = o["company_text"].format(n=o.get("company", ""), c=o.get("charity", ""))
        socials = "".join(
            f'<a href="{SOCIAL[s][0].format(h=self.handle())}" rel="me">{SOCIAL[s][1]}</a> '
            for s in o.get("social", [])
        )
        main_email = o["emails"][0]
        addr = f"{e(o['street'])}, {e(o['locality'])} {e(o['postcode'])}"
        extra = ""
        if o.get("meetup_link"):
            extra += f'<p>Join our meetup: <a href="{o["meetup_link"]}">on Meetup</a></p>'
        if o.get("wix"):
            extra += (
                '<p class="wix-credit"><a href="https://www.wix.com/?utm_campaign=vir_created_with">'
                "This site was designed with Wix.com</a></p>"
            )
        if o.get("wp_credit"):
            extra += (
                '<p class="site-info"><a href="https://wordpress.org/">Proudly powered by WordPress</a></p>'
            )
        if "privacy" in self.paths:
            extra += '<p><a href="/privacy-policy/">Privacy and cookies</a></p>'
        body = (
            f"<p>{addr}</p>\n<p>Tel: {e(o['phones'][0][0])} · Email: {email_html(*main_email)}</p>\n"
            f'<p class="social">{socials}</p>\n<p class="legal">© 2026 {e(o["name"])}. {e(reg)}</p>\n{extra}'
        )
        cookie = ""
        if o.get("cookie"):
            cookie = (
                '<div id="cookie-notice" class="cookie-banner" role="dialog" aria-label="Cookies">'
                "<p>We use cookies to understand how visitors use this site. Read our "
                '<a href="/privacy-policy/">privacy and cookies policy</a>.</p>'
                '<button type="button" class="accept">Accept</button>'
                '<button type="button" class="reject">Reject</button></div>\n'
            )
        if self.style == "wordpress":
            return (
                f'</div><!-- #content -->\n<footer id="colophon" class="site-footer">'
                f'<div class="site-info">\n{body}</div></footer>\n</div><!-- #page -->\n{cookie}'
                "</body>\n</html>\n"
            )
        if self.style == "plain":
            return f"<hr>\n<small>\n{body}</small>\n{cookie}</body>\n</html>\n"
        if self.style == "microdata":
            md = (
                f'<div itemscope itemtype="https://schema.org/{o["schema"]}">'
                f'<span itemprop="name">{e(o["name"])}</span><br>'
                f'<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
                f'<span itemprop="streetAddress">{e(o["street"])}</span>, '
                f'<span itemprop="addressLocality">{e(o["locality"])}</span> '
                f'<span itemprop="postalCode">{e(o["postcode"])}</span></div>'
                f'Tel: <span itemprop="telephone">{e(o["phones"][0][0])}</span><br>'
                f'Email: {email_html(*main_email)}<meta itemprop="url" content="{self.base}/"></div>\n'
            )
            return (
                f'</main>\n<footer class="site-footer">\n{md}<p class="social">{socials}</p>\n'
                f'<p class="legal">© 2026 {e(o["name"])}. {e(reg)}</p>\n{extra}</footer>\n{cookie}'
                "</body>\n</html>\n"
            )
        return f'</main>\n<footer class="site-footer">\n{body}</footer>\n{cookie}</body>\n</html>\n'

    def page(self, key: str, title: str, content: str) -> None:
        doc = self.head(
            f"{title} | {self.o['short']}" if key != "home" else f"{self.o['short']} — {self.o['tagline']}",
            key,
        )
        doc += self.header()
        if self.style == "wordpress":
            content = (
                f'<main id="primary" class="site-main"><article class="page type-page status-publish">'
                f'<header class="entry-header"><h1 class="entry-title">{e(title)}</h1></header>'
                f'<div class="entry-content">\n{content}</div></article></main>\n'
            )
        else:
            content = f"<h1>{e(title)}</h1>\n{content}"
        doc += content + self.footer()
        self.files[self.paths[key]] = doc

    # ---------------------------------------------------------------- pages
    def people_html(self, with_emails_only: bool = False) -> str:
        rows = []
        for p in self.o["people"]:
            name, role, email, mode = p[:4]
            if with_emails_only and not email:
                continue
            mail = f"<br>{email_html(email, mode)}" if email else ""
            if self.style == "wordpress":
                rows.append(
                    f'<div class="wp-block-column team-member"><h3>{e(name)}</h3>'
                    f'<p class="role">{e(role)}</p><p>{mail[4:]}</p></div>'
                )
            elif self.style == "plain":
                rows.append(f"<p><b>{e(name)}</b> - {e(role)}{mail}</p>")
            elif self.style == "microdata" or self.style == "jsonld":
                rows.append(
                    f'<li class="person" itemscope itemtype="https://schema.org/Person">'
                    f'<span itemprop="name">{e(name)}</span>, <span itemprop="jobTitle">{e(role)}</span>'
                    f"{mail}</li>"
                )
        if self.style in ("microdata", "jsonld"):
            return f'<ul class="people">{"".join(rows)}</ul>\n'
        if self.style == "wordpress":
            return f'<div class="wp-block-columns">{"".join(rows)}</div>\n'
        return "\n".join(rows) + "\n"

    def links_html(self) -> str:
        by_kind: dict[str, list] = {}
        for kind, url, label in self.o["links"]:
            by_kind.setdefault(kind, []).append((url, label))
        out = []
        for kind, items in by_kind.items():
            strip = "".join(
                f'<li><a href="{url}" target="_blank" rel="noopener"><img src="/images/logos/'
                f'{label.lower().split(" (")[0].replace(" ", "-")}.png" alt="{e(label)} logo"></a></li>'
                for url, label in items
            )
            names = ", ".join(f'<a href="{url}">{e(label)}</a>' for url, label in items)
            out.append(
                f'<section class="logos logos-{kind}"><h2>{KIND_TITLES[kind]}</h2>\n'
                f'<ul class="logo-strip">{strip}</ul>\n<p>We work with {names}.</p></section>\n'
            )
        return "".join(out)

    def build(self) -> None:
        o = self.o
        if self.style == "bilingual":
            return self.build_bilingual()
        teaser = ""
        if "partners" in self.paths:
            teaser = f'<p>See <a href="{self.paths["partners"]}">who we work with</a>.</p>'
        extra_home = ""
        if o.get("robots_product"):
            extra_home += '<p><a href="/drafts/new-studio/">Preview: our new studio</a></p>'
        if o.get("session_link"):
            extra_home += '<p><a href="/showreel/?sessionid=8f3a2c91d4">Watch our showreel</a></p>'
        filler = " ".join([o["desc"]] * 2)
        self.page(
            "home",
            o["short"],
            f'<p class="lead">{e(o["tagline"])}</p>\n<p>{e(o["desc"])}</p>\n'
            f'<p><a href="{self.nav_href("about")}">More about us</a> · '
            f'<a href="{self.paths["contact"]}">Get in touch</a></p>\n{teaser}{extra_home}',
        )
        about_extra = ""
        if o["key"] == "kingsweston-arts.org.uk":
            about_extra = (
                '<p>Read about our <a href="/news/2019/summer-programme/">2019 summer programme</a>'
                " (archive).</p>\n"
            )
        reg_sentence = ""
        if o.get("company_text"):
            reg_sentence = (
                "<p>" + e(o["company_text"].format(n=o.get("company", ""), c=o.get("charity", ""))) + "</p>\n"
            )
        self.page(
            "about", "About us", f"<p>{e(o['desc'])}</p>\n<p>{e(filler)}</p>\n{reg_sentence}{about_extra}"
        )
        people_bit = ""
        named = [p for p in o["people"] if p[2]]
        if named:
            people_bit = "<h2>Who to contact</h2>\n" + self.people_html(with_emails_only=True)
        phones = "".join(f"<li>{e(p[0])}</li>" for p in o["phones"])
        emails = "".join(f"<li>{email_html(a, m)}</li>" for a, m in o["emails"])
        addr = f"{e(o['street'])}<br>{e(o['locality'])}<br>{e(o['postcode'])}"
        postcodes = "".join(f"<p>Also at: {pc}</p>" for pc in o.get("extra_postcodes", []))
        self.page(
            "contact",
            "Contact us",
            f"<h2>Address</h2><address>{addr}</address>\n{postcodes}"
            f'<p><a href="https://www.google.com/maps?q={quote(o["postcode"])}">View on Google Maps</a>'
            f"</p>\n<h2>Phone</h2><ul>{phones}</ul>\n<h2>Email</h2><ul>{emails}</ul>\n{people_bit}"
            '<form action="/contact/send" method="post"><label>Your message <textarea name="m">'
            "</textarea></label><button>Send</button></form>\n",
        )
        if "team" in self.paths:
            extra = ""
            if o.get("private"):
                extra = f'<p><a href="/{o["private"]}/directory/">Staff directory (staff only)</a></p>\n'
            self.page("team", self.nav_titles["team"], self.people_html() + extra)
        if "partners" in self.paths:
            self.page("partners", self.nav_titles["partners"], self.links_html())
        if "privacy" in self.paths:
            self.page(
                "privacy",
                "Privacy and cookies policy",
                "<p>We use essential cookies and, with your consent, analytics cookies. We never sell "
                "your data. Contact us to ask what we hold about you.</p>\n",
            )
        if "events" in self.paths:
            months = " ".join(f'<a href="/events/calendar?month={n}">{n}</a>' for n in range(1, 41))
            self.page(
                "events",
                "What's on",
                '<p>Browse our <a href="/events/calendar?month=1">events calendar</a>.</p>\n'
                f'<p class="archive">Calendar by month: {months}</p>\n',
            )
            for n in range(1, 41):
                prev = f'<a href="/events/calendar?month={n - 1}">Previous month</a> · ' if n > 1 else ""
                doc = (
                    self.head(f"Events calendar, month {n} | {o['short']}", "events")
                    + self.header()
                    + f'<main id="primary" class="site-main"><h1>Events calendar: month {n}</h1>\n'
                    f"<p>No events listed for this month yet.</p>\n<p>{prev}"
                    f'<a href="/events/calendar?month={n + 1}">Next month</a></p></main>\n' + self.footer()
                )
                self.files[f"/events/calendar?month={n}"] = doc
        if "showreel" in self.paths:
            self.page("showreel", "Showreel", "<p>Highlights of our immersive work, 2024–2026.</p>\n")
        if o.get("private"):
            p = o["private"]
            self.files[f"/{p}/directory/"] = (
                self.head(f"Staff directory | {o['short']}", "home")
                + self.header()
                + "<h1>Staff directory</h1>\n<p>Internal use only.</p>\n<ul><li>Gwen Staffordshire, Payroll "
                f'Officer, <a href="mailto:internal.directory@{o["key"]}">internal.directory@{o["key"]}</a>'
                "</li></ul>\n" + self.footer()
            )
        if o.get("robots_product"):
            self.files["/drafts/new-studio/"] = (
                self.head(f"Draft | {o['short']}", "home")
                + self.header()
                + f"<h1>Draft: new studio</h1>\n<p>Not for publication. Contact "
                f'<a href="mailto:draft-leak@{o["key"]}">draft-leak@{o["key"]}</a>.</p>\n' + self.footer()
            )
        if any(m == "cf" for _a, m in o["emails"]) or any(p[3] == "cf" for p in o["people"]):
            self.files["/cdn-cgi/l/email-protection"] = (
                '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Email Protection | '
                "Cloudflare</title></head><body><h1>Please enable cookies.</h1><p>You are unable to access "
                "this email address. The website from which you got to this page is protected by Cloudflare."
                "</p></body></html>\n"
            )

    def build_bilingual(self) -> None:
        o = self.o
        cy = {
            "home": "/",
            "about": "/amdanom/",
            "contact": "/cysylltu/",
            "team": "/tîm/",
            "partners": "/partneriaid/",
        }
        en = {
            "home": "/en/",
            "about": "/en/about/",
            "contact": "/en/contact/",
            "team": "/en/team/",
            "partners": "/en/partners/",
        }
        cy_titles = {
            "home": "Hafan",
            "about": "Amdanom ni",
            "contact": "Cysylltu â ni",
            "team": "Ein tîm",
            "partners": "Partneriaid",
        }
        en_titles = {
            "home": "Home",
            "about": "About us",
            "contact": "Contact us",
            "team": "Our team",
            "partners": "Partners",
        }
        phone = o["phones"][0][0]
        for lang, paths, titles in (("cy", cy, cy_titles), ("en", en, en_titles)):
            other = en if lang == "cy" else cy
            for key in paths:
                self.paths = paths
                name = o["welsh_name"] if lang == "cy" else o["name"]
                nav = "".join(f'<li><a href="{quote(paths[k])}">{titles[k]}</a></li>' for k in paths)
                switch = (
                    f'<a href="{quote(other[key])}" hreflang="{"en" if lang == "cy" else "cy"}">'
                    f"{'English' if lang == 'cy' else 'Cymraeg'}</a>"
                )
                alt = (
                    f'<link rel="alternate" hreflang="cy" href="{self.base}{quote(cy[key])}">\n'
                    f'<link rel="alternate" hreflang="en" href="{self.base}{quote(en[key])}">\n'
                )
                head = self.head(f"{titles[key]} | {name}", key, lang="cy" if lang == "cy" else "en-GB")
                head = head.replace("</head>", alt + "</head>")
                desc = o["welsh_desc"] if lang == "cy" else o["desc"]
                if key == "home":
                    body = f"<p>{e(o['welsh_tagline'] if lang == 'cy' else o['tagline'])}</p><p>{e(desc)}</p>"
                elif key == "about":
                    body = f"<p>{e(desc)}</p><p>{SPONSORED[lang]}</p>"
                elif key == "contact":
                    body = (
                        f"<address>{e(o['street'])}<br>{e(o['locality'])}<br>{o['postcode']}</address>"
                        f"<p>{'Ffôn' if lang == 'cy' else 'Telephone'}: {phone}</p>"
                        f"<p>{'E-bost' if lang == 'cy' else 'Email'}: "
                        f"{email_html(o['emails'][0 if lang == 'cy' else 1][0], 'mailto')}</p>"
                        f"<p>{WELSH_WELCOME[lang]}</p>"
                    )
                elif key == "team":
                    rows = []
                    for p in o["people"]:
                        role = p[4] if lang == "cy" else p[1]
                        mail = f" — {email_html(p[2], p[3])}" if p[2] else ""
                        rows.append(
                            f'<li><strong>{e(p[0])}</strong>, <span class="role">{e(role)}</span>{mail}</li>'
                        )
                    body = f"<ul>{''.join(rows)}</ul>"
                else:
                    items = "".join(f'<li><a href="{u}">{e(label)}</a></li>' for _k, u, label in o["links"])
                    intro = (
                        "Rydym yn gweithio gyda'r sefydliadau hyn ac yn eu hariannu:"
                        if lang == "cy"
                        else "We work with and fund these organisations:"
                    )
                    title = WELSH_KIND_TITLES["partner"] if lang == "cy" else "Our partners"
                    body = f'<h2>{title}</h2><p>{intro}</p><ul class="partners">{items}</ul>'
                socials = " ".join(
                    f'<a href="{SOCIAL[s][0].format(h=self.handle())}">{SOCIAL[s][1]}</a>'
                    for s in o["social"]
                )
                doc = (
                    head + f'<body>\n<header><a href="{quote(paths["home"])}">{e(name)}</a> {switch}\n'
                    f"<nav><ul>{nav}</ul></nav></header>\n<main>\n<h1>{titles[key]}</h1>\n{body}\n</main>\n"
                    f"<footer><p>{e(o['welsh_name'])} / {e(o['name'])}</p><p>{e(o['street'])}, "
                    f"{e(o['locality'])} {o['postcode']} · {phone}</p><p>{socials}</p></footer>\n"
                    "</body>\n</html>\n"
                )
                self.files[paths[key]] = doc
        self.paths = {**{f"cy-{k}": v for k, v in cy.items()}, **{f"en-{k}": v for k, v in en.items()}}

    # ---------------------------------------------------------------- files
    def robots(self) -> str:
        o = self.o
        lines = []
        if o.get("robots_product"):
            lines += ["User-agent: harvester", "Disallow: /drafts/", "", "User-agent: *", "Disallow:", ""]
        else:
            lines += ["User-agent: *"]
            if o.get("crawl_delay"):
                lines.append(f"Crawl-delay: {o['crawl_delay']}")
            if self.style == "wordpress":
                lines += ["Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
            if o.get("private"):
                lines.append(f"Disallow: /{o['private']}/")
            if o.get("wix"):
                lines += ["Disallow: /_api/*", "Disallow: /_partials*"]
            if len(lines) == 1:
                lines.append("Disallow: /cgi-bin/")
            lines += ["", "User-agent: GPTBot", "Disallow: /", ""]
        if o.get("sitemap"):
            lines.append(f"Sitemap: {self.base}/sitemap.xml")
        return "\n".join(lines).rstrip("\n") + "\n"

    def sitemap(self) -> str:
        urls = sorted(
            p
            for p in self.files
            if "calendar" not in p
            and "staff-only" not in p
            and "intranet" not in p
            and "cdn-cgi" not in p
            and "drafts" not in p
        )
        body = "".join(
            f"  <url><loc>{self.base}{quote(u, safe='/?=')}</loc><lastmod>2026-10-01</lastmod></url>\n"
            for u in urls
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9">\n{body}</urlset>\n'
        )

    def settings(self) -> dict:
        o = self.o
        s: dict = {}
        if o.get("charset"):
            s["charset"] = o["charset"]
        if o.get("http_redirect"):
            s["http_redirect"] = True
        if o.get("aliases"):
            s["aliases"] = o["aliases"]
        if o.get("about_noslash"):
            s["redirects"] = {self.paths["about"].rstrip("/"): self.paths["about"]}
        missing = list(o.get("missing", []))
        if o.get("calendar"):
            missing.append("/events/calendar?month=41")
        if missing:
            s["missing"] = missing
        return s

    def write(self, root: Path) -> None:
        d = root / self.host
        enc = self.o.get("charset", "utf-8")
        for path, text in self.files.items():
            p, _, q = path.partition("?")
            if q:
                f = d / (p.lstrip("/") + "@" + q + ".page.html")
            elif p.endswith("/"):
                f = d / p.lstrip("/") / "index.html"
            elif p.endswith(".html"):
                f = d / p.lstrip("/")
            else:
                f = d / (p.lstrip("/") + ".page.html")
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(text.encode(enc))
        (d / "robots.txt").write_text(self.robots(), encoding="utf-8")
        if self.o.get("sitemap"):
            (d / "sitemap.xml").write_text(self.sitemap(), encoding="utf-8")
        st = self.settings()
        if st:
            (d / "_site.yaml").write_text(
                "# Served by build_sample.py: see its docstring.\n"
                + yaml.safe_dump(st, sort_keys=False, allow_unicode=True),
                encoding="utf-8",
            )


def main(repo: Path = REPO) -> None:
    """Write the host folders under `repo`/harvester/demo/site, the seed files and the truth file."""
    site = repo / "harvester/demo/site"
    if site.exists():
        for child in site.iterdir():
            if child.is_dir() and not child.name.startswith("_"):  # host folders only, never this one
                shutil.rmtree(child)
    site.mkdir(parents=True, exist_ok=True)
    sites = []
    for org in ORGS:
        org.setdefault("social", [])
        s = Site(org)
        s.build()
        s.write(site)
        sites.append(s)
    write_meetup(site)
    import truth

    truth.write_all(repo, sites, GROUPS)


if __name__ == "__main__":
    main()
