# syncd as a container: `syncd run` as a non-root user, config and secrets mounted.
#   docker run -v ./syncd.toml:/etc/syncd/syncd.toml:ro -v syncd-data:/var/lib/syncd \
#     -e DELIGHTED_API_KEY=... syncd
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
RUN python -m venv /opt/syncd \
 && /opt/syncd/bin/pip install --no-cache-dir -r requirements.lock
COPY syncd ./syncd
COPY connectors ./connectors
RUN /opt/syncd/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/syncd --create-home syncd
COPY --from=build /opt/syncd /opt/syncd
COPY config /etc/syncd/examples
ENV PATH="/opt/syncd/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    SYNCD_CONFIG=/etc/syncd/syncd.toml \
    SYNCD__DAEMON__DATA_DIR=/var/lib/syncd \
    SYNCD__DAEMON__LOG_FORMAT=json
USER syncd
WORKDIR /var/lib/syncd
VOLUME ["/var/lib/syncd"]
# SIGTERM finishes the batch in flight, releases claims and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["syncd"]
CMD ["run"]
