# eabgate on Node, from the compiled build (dist/node/server.mjs: no transpiler at start).
#   docker build -t eabgate .
#   docker run -p 8080:8080 -v eabgate-data:/data -e EABGATE_BASE_URL=https://certs.example.com eabgate
# Several instances on one PostgreSQL: add -e EABGATE_DATABASE_URL=postgres://… -e EABGATE_SECRET_KEY=…
# (README: "Node behind a load balancer with PostgreSQL").
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# MALLOC_ARENA_MAX=1, as in `npm start`: glibc keeps one malloc arena per thread that allocates (V8's helper,
# libuv's pool); with one the ACME bench held 1-4 MB less, for the same CPU. Only the environment can set it.
ENV NODE_ENV=production EABGATE_HOST=0.0.0.0 EABGATE_PORT=8080 EABGATE_DATA_DIR=/data MALLOC_ARENA_MAX=1
# better-sqlite3's native module stays in node_modules; everything else is in the bundle.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# Migrations are read at start, found upwards from dist/node: SQLite (drizzle/) and PostgreSQL (drizzle-pg/).
COPY --from=build /app/drizzle ./drizzle
COPY --from=build /app/drizzle-pg ./drizzle-pg
RUN mkdir -m 0700 /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# The environment and node flags of `npm start` (package.json "start"; README "Memory"). Stack traces in
# TypeScript terms: docker run -e NODE_OPTIONS=--enable-source-maps … (the source map costs memory and start time).
CMD ["node", "--single-threaded-gc", "--max-semi-space-size=2", "--heap-growing-percent=10", "--v8-pool-size=1", "--no-memory-reducer", "dist/node/server.mjs"]
