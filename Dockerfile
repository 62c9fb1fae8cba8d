# The harvester image: the command line with every dependency (PostgreSQL driver included).
# Used by docker-compose.yml for the scheduler and the review page; data lives in /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY harvester ./harvester
RUN pip install . && harvester --version
COPY seeds ./seeds

# Run as a plain user; the database (SQLite) and exports go to the /data volume.
# data/ (the default database and export folder, relative to /app) is the volume too.
RUN useradd --create-home --uid 1000 harvester && mkdir -p /data && chown harvester:harvester /data \
    && ln -s /data /app/data
USER harvester
ENV HARVESTER_DB=sqlite:////data/harvest.db
VOLUME ["/data"]

CMD ["harvester", "--help"]
