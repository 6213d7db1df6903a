# syntax=docker/dockerfile:1
# reachwatch: multi-stage build on node:24-slim. The runtime image holds production dependencies only,
# runs as a non-root user, keeps its database on a volume and reports health through /healthz.
# test/docker/ builds this image's /app without Docker (same COPY and RUN steps, no compiler on PATH)
# and checks the values below against the daemon's. The image runs no tests, so it needs none of the
# test-only system packages in system-packages.txt; it does install what the `sip` probe method runs
# (baresip-core places the calls, espeak-ng and sox make the menu prompt): without them a daemon with
# a trunk configured refuses to start (src/probers/sip/programs.ts, SIP_RUNTIME_PACKAGES).

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the "node" npm package (the base image already is Node 24), vitest and TypeScript.
# node:24-slim has no Python or compiler. better-sqlite3 ships prebuilt N-API binaries (linux x64/arm64,
# glibc and musl) and finds them itself; npm would still run its implicit `node-gyp rebuild`, which
# needs both. package.json's allowScripts denies it, and --ignore-scripts also stops an npm too old
# to read allowScripts (no production dependency needs an install script; a test checks that).
# Loading the binding here fails the build, not the container, on a platform without a prebuilt one.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close()" \
 && npm cache clean --force

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    REACHWATCH_DATA_DIR=/var/lib/reachwatch
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends baresip-core espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system reachwatch && useradd --system --gid reachwatch --home /app --shell /usr/sbin/nologin reachwatch \
 && mkdir -p /var/lib/reachwatch && chown reachwatch:reachwatch /var/lib/reachwatch
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY config ./config
USER reachwatch
VOLUME ["/var/lib/reachwatch"]
EXPOSE 8080
# node:24-slim has no curl; Node's own fetch does the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM stops gracefully (probes in flight finish or are aborted, results are flushed) within the
# daemon's shutdown limit (SHUTDOWN_GRACE_MS in src/main.ts, 9 s), inside the 10 s that `docker stop`
# and compose wait by default before SIGKILL; a shorter --stop-timeout cuts the shutdown short.
# SIGHUP reloads the registry.
STOPSIGNAL SIGTERM
# The entry script passes REACHWATCH_NODE_FLAGS to node: by default the heap limits that keep a
# 10,000-channel daemon under 250 MB RSS (see docs/benchmarks.md); `-e REACHWATCH_NODE_FLAGS=...`
# replaces them, e.g. a larger --max-old-space-size for much larger registries.
CMD ["/app/bin/reachwatch-daemon"]
