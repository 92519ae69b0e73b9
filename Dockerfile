# syncd as a container: `syncd run` as a non-root user under tini, config and secrets mounted.
#   docker build -t syncd .
#   docker run -v ./syncd.toml:/etc/syncd/syncd.toml:ro -v syncd-data:/var/lib/syncd \
#     -e DELIGHTED_API_KEY=... -p 8080:8080 syncd
# compose.yaml runs PostgreSQL, the sandbox and three replicas; deploy/kubernetes/ has manifests.

# Build: the locked runtime dependencies (requirements.lock, never the dev lock) and syncd itself
# into a virtualenv that the runtime stage copies whole.
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
RUN python -m venv /opt/syncd \
 && /opt/syncd/bin/pip install --no-cache-dir -r requirements.lock
COPY syncd ./syncd
COPY connectors ./connectors
RUN /opt/syncd/bin/pip install --no-cache-dir --no-deps . \
 && /opt/syncd/bin/pip uninstall --yes pip

# Runtime: no compiler, no sources, no tests; tini reaps and forwards signals as PID 1.
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install --yes --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/syncd --create-home syncd
COPY --from=build /opt/syncd /opt/syncd
COPY config /etc/syncd/examples
ENV PATH="/opt/syncd/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SYNCD_CONFIG=/etc/syncd/syncd.toml \
    SYNCD__DAEMON__DATA_DIR=/var/lib/syncd \
    SYNCD__DAEMON__LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/syncd
VOLUME ["/var/lib/syncd"]
# /healthz, /readyz and /metrics ([http] port).
EXPOSE 8080
# The local check: the store and this daemon's loop (its /healthz). The full `syncd check` asks
# every vendor and would spend the CRM's daily allowance every 30 s; run it before a deploy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["syncd", "check", "--local"]
# SIGTERM finishes the batch in flight, releases claims and exits 0; SIGHUP reloads the config.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "syncd"]
CMD ["run"]
