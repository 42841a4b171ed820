# pancake-mock on all interfaces, its state in the /data volume (README: "Run it in a container").
# The install step is docker/build-steps.sh, which CI also runs outside a container, with the
# command, user and healthcheck below (tests/test_container.py keeps the two in agreement).
FROM python:3.11-slim

WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
COPY openapi ./openapi
COPY contracts ./contracts
COPY docker/build-steps.sh ./docker/
RUN PIP_NO_CACHE_DIR=1 docker/build-steps.sh install /opt/pancake-mock \
 && groupadd --system --gid 10001 pancake \
 && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin pancake \
 && mkdir /data && chown 10001:10001 /data

# Off loopback, serve generates a control token at each start (controlToken in
# /data/credentials.json), unless PANCAKE_MOCK_CONTROL_TOKEN gives one.
ENV PATH=/opt/pancake-mock/bin:$PATH \
    PANCAKE_MOCK_PORT=8750
USER 10001:10001
WORKDIR /data  # a relative --data-dir lands in the volume too
VOLUME /data
EXPOSE 8750
# /_mock is open to loopback callers; with --no-control-plane it answers 404: give such a container a healthcheck of its own.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_mock/clock' % os.environ['PANCAKE_MOCK_PORT'], timeout=5)"]
ENTRYPOINT ["pancake-mock"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/data"]
