# syntax=docker/dockerfile:1
# JUCIP Watch as a container: `docker compose up -d --build` (README, "Docker").
# Two stages: the first builds the project's wheel and its dependencies' wheels, the second
# installs them into a clean slim Python with no compiler and no source tree, and runs as an
# unprivileged user. tests/test_docker.py checks this file and replays its pip commands, its
# environment and its entry command in a fresh virtualenv (no Docker engine is needed for that).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build: wheels --------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ARG WHEELS=/wheels
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY watcher ./watcher
COPY state ./state
COPY replay ./replay
COPY notifiers ./notifiers
RUN python -m pip wheel --wheel-dir "$WHEELS" .

# -- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
ARG WHEELS=/wheels
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    JUCIP_WATCH_CONFIG=/etc/jucip-watch/config.toml
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home jucip \
    && install -d -o jucip -g jucip -m 0750 /data
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links "$WHEELS" jucip-watch
COPY docker/config.toml /etc/jucip-watch/config.toml
USER jucip
WORKDIR /data
# The archive (SQLite, WAL), its lock file and the tracker the web endpoint serves
# (/data/tracker); nothing else is written.
VOLUME ["/data"]
# The [web] endpoint (tracker, feed, /healthz).
EXPOSE 8080
# `run` finishes the item in hand and exits 0 on SIGTERM.
STOPSIGNAL SIGTERM
# Exit 0 when every source cycled within twice its interval and the store takes writes. The
# start period covers the first pass, which fetches every release page the listings show.
HEALTHCHECK --interval=5m --timeout=30s --start-period=15m --retries=3 \
    CMD ["jucip-watch", "health"]
ENTRYPOINT ["jucip-watch"]
CMD ["run"]
