# The newsbot image: `docker build -t newsbot .` (deploy/compose.yaml builds it).
# Two stages: the build stage compiles and installs the project and the [postgres] extra
# into a venv; the final stage copies only that venv, and runs as an unprivileged user.
FROM python:3.11-slim AS build
# the engine's inner loops are C (index/native/*.c, built by setup.py)
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY app app
COPY bot bot
COPY conversation conversation
COPY embed embed
COPY feeds feeds
COPY index index
COPY search_backends search_backends
COPY storage storage
RUN python -m venv /opt/newsbot \
    && /opt/newsbot/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/newsbot/bin/pip install --no-cache-dir ".[postgres]"

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/newsbot --create-home newsbot
COPY --from=build /opt/newsbot /opt/newsbot
COPY deploy/healthcheck.py /opt/newsbot/healthcheck.py
ENV PATH=/opt/newsbot/bin:$PATH \
    NEWSBOT_DATA_DIR=/var/lib/newsbot \
    PYTHONUNBUFFERED=1
USER newsbot
WORKDIR /var/lib/newsbot
VOLUME /var/lib/newsbot
EXPOSE 8443
# liveness: the process serves (compose asks /readyz for readiness)
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "/opt/newsbot/healthcheck.py", "/healthz"]
CMD ["newsbot", "run"]
