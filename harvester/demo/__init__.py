"""The bundled offline sample: a small web of fictional organisations in the three study clusters.

`harvester demo` seeds `SAMPLE_SEEDS`, harvests them by replaying `SAMPLE_WARC` (no network at
all) and proposes the next wave. Every organisation, person, address and number in the sample is
invented; phone numbers come from Ofcom's ranges reserved for drama. `site/README.md` says what
each site and Meetup group plants and why; `build_sample.py` turns `site/` into the WARC.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
SITE_DIR = DEMO_DIR / "site"
SAMPLE_WARC = DEMO_DIR / "sample.warc.gz"
SEEDS_DIR = DEMO_DIR / "seeds"
SAMPLE_CLUSTERS = ("bristol", "cardiff", "salford")
SAMPLE_SEEDS = tuple(SEEDS_DIR / f"{cluster}.yaml" for cluster in SAMPLE_CLUSTERS)
