"""Facts -> organisations and relations (entity resolution and idempotent upserts).

Owned by the extraction issue (#4); `crawl.py` calls `store_page_facts` once per fetched page
inside that page's transaction.
"""
