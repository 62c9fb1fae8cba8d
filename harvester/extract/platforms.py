"""Sites that are platforms, not organisations of a cluster: links to them are not relations.

`is_platform(domain)` is asked with a registrable domain (or any host under it). Social networks
are also platforms, but a link to the organisation's own profile there is kept as a social profile
(see `SOCIAL_DOMAINS`). The list is maintained by hand: add a domain under its category with a
comment when a harvest shows a platform being proposed as an organisation.
"""

from __future__ import annotations

from functools import lru_cache

# Social networks and video/audio/community platforms: the organisation's own profile is a
# social profile, any other link there is noise.
SOCIAL_DOMAINS = frozenset({
    "facebook.com", "fb.com", "fb.me", "instagram.com", "twitter.com", "x.com", "linkedin.com",
    "youtube.com", "youtu.be", "vimeo.com", "tiktok.com", "pinterest.com", "pinterest.co.uk",
    "flickr.com", "threads.net", "bsky.app", "mastodon.social", "soundcloud.com", "spotify.com",
    "twitch.tv", "snapchat.com", "medium.com", "tumblr.com", "behance.net", "dribbble.com",
    "github.com", "gitlab.com", "discord.gg", "discord.com", "slack.com", "whatsapp.com",
    "wa.me", "t.me", "telegram.me", "reddit.com", "mixcloud.com", "bandcamp.com",
    "eventbrite.co.uk", "eventbrite.com", "meetup.com", "substack.com", "patreon.com",
})

PLATFORM_DOMAINS = frozenset({
    # Search engines, maps and big-tech service domains.
    "google.com", "google.co.uk", "goo.gl", "bing.com", "duckduckgo.com", "yahoo.com",
    "googleapis.com", "gstatic.com", "googleusercontent.com", "googletagmanager.com",
    "google-analytics.com", "doubleclick.net", "apple.com", "microsoft.com", "live.com",
    "office.com", "sharepoint.com", "onedrive.com", "amazon.com", "amazon.co.uk",
    "openstreetmap.org", "what3words.com", "bit.ly", "tinyurl.com", "ow.ly", "buff.ly",
    "t.co", "lnkd.in", "rebrand.ly", "shorturl.at", "is.gd", "cutt.ly",
    # CDNs, hosting and web infrastructure.
    "cloudflare.com", "cloudfront.net", "jsdelivr.net", "unpkg.com", "cdnjs.com", "fastly.net",
    "akamaihd.net", "fontawesome.com", "typekit.net", "fonts.com", "jquery.com",
    "bootstrapcdn.com", "wp.com", "gravatar.com", "amazonaws.com", "azureedge.net",
    "readthedocs.org",
    "netlify.com", "vercel.com", "heroku.com", "digitalocean.com", "cloudflare.net",
    # Analytics, tag managers, cookie banners, chat widgets.
    "hotjar.com", "cookiebot.com", "onetrust.com", "cookielaw.org", "termly.io", "iubenda.com",
    "hubspot.com", "hs-scripts.com", "intercom.io", "zendesk.com", "tawk.to", "crisp.chat",
    "matomo.org", "plausible.io", "statcounter.com", "addthis.com", "sharethis.com",
    "sentry.io", "newrelic.com", "recaptcha.net", "hcaptcha.com",
    # Website builders and blog hosts (the builder's credit link is not a relation). Their users'
    # subdomains (x.wixsite.com, x.blogspot.com, x.wordpress.com) are sites of their own: not listed.
    "wix.com", "wixpress.com", "squarespace.com", "weebly.com", "wordpress.org", "zoho.com",
    "zohopublic.com", "godaddy.com", "jimdo.com", "webflow.com", "shopify.com", "blogger.com",
    "strikingly.com", "site123.com", "ionos.co.uk", "1and1.co.uk", "elementor.com", "mailchimp.com",
    "list-manage.com", "mailchi.mp", "campaign-archive.com",
    "sendinblue.com", "constantcontact.com",
    # Forms, documents, file sharing and meeting tools.
    "forms.gle", "typeform.com", "jotform.com", "surveymonkey.com", "surveymonkey.co.uk",
    "formstack.com", "formspree.io", "dropbox.com", "box.com", "wetransfer.com", "zoom.us",
    "calendly.com", "docs.google.com", "issuu.com", "scribd.com", "adobe.com", "acrobat.com",
    # App stores.
    "play.google.com", "apps.apple.com", "itunes.apple.com", "microsoftstore.com",
    # Payments and donation platforms: a JustGiving link says "donate to us", not "we relate to
    # JustGiving" (the campaign's owner is usually the page's own organisation).
    "paypal.com", "paypal.me", "stripe.com", "justgiving.com", "gofundme.com", "crowdfunder.co.uk",
    "donorbox.org", "givey.com", "virginmoneygiving.com", "ko-fi.com", "buymeacoffee.com",
    "localgiving.org", "enthuse.com", "cafonline.org", "totalgiving.co.uk", "gocardless.com",
    # Code, research identity and reference sites (people's profiles, not organisations).
    "orcid.org", "doi.org", "researchgate.net", "academia.edu", "scholar.google.com",
    "wikipedia.org", "wikimedia.org", "archive.org", "zenodo.org", "figshare.com",
    "pypi.org", "npmjs.com", "allcontributors.org", "shields.io", "gitter.im", "zulipchat.com",
    "image.sc", "sphinx-doc.org", "pydata.org", "jekyllrb.com",
    # Review, booking and listing aggregators.
    "tripadvisor.com", "tripadvisor.co.uk", "yelp.com", "yell.com", "trustpilot.com",
    "booking.com", "airbnb.co.uk", "airbnb.com", "opentable.co.uk", "ticketsource.co.uk",
    "w3.org", "schema.org", "creativecommons.org",
})


def _candidates(host: str) -> list[str]:
    """`host` and each parent domain of two labels or more (`fonts.googleapis.com`,
    `googleapis.com`). Shared hosts whose users' sites are organisations of their own
    (`github.io`, `netlify.app`, `wixsite.com`) are deliberately not listed, so `alice.github.io`
    is never taken for a platform."""
    parts = host.lower().strip(".").split(":", 1)[0].split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


@lru_cache(maxsize=65536)
def is_social(host: str) -> bool:
    """Is this host (or registrable domain) a social network?"""
    return any(c in SOCIAL_DOMAINS for c in _candidates(host))


@lru_cache(maxsize=65536)
def is_platform(host: str) -> bool:
    """Is this host a platform (social network included) rather than a cluster organisation?"""
    return any(c in PLATFORM_DOMAINS or c in SOCIAL_DOMAINS for c in _candidates(host))
