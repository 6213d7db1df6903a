# syntax=docker/dockerfile:1
# reachwatch: multi-stage build on node:24-slim. The runtime image holds production dependencies only,
# runs as a non-root user, keeps its database on a volume and reports health through /healthz.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the "node" npm package (the base image already is Node 24), vitest and TypeScript.
# better-sqlite3 13 ships prebuilt N-API binaries, so no compiler is needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    REACHWATCH_DATA_DIR=/var/lib/reachwatch
WORKDIR /app
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
# SIGTERM stops gracefully (probes in flight finish, results are flushed); SIGHUP reloads the registry.
STOPSIGNAL SIGTERM
# The heap limits keep a 10,000-channel daemon under 250 MB RSS (see README, Benchmark); raise
# --max-old-space-size for much larger registries.
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=128", "src/main.ts"]
