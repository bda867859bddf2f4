# Token Ninja container image. Multi-stage: a toolchain stage builds the TypeScript and the native
# better-sqlite3 module; the runtime stage carries only dist/, production node_modules and package.json.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- toolchain: compilers for better-sqlite3's native build (never shipped) ---
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# --- build: all dependencies, then tsc into dist/ ---
FROM toolchain AS build
# --ignore-scripts: the package's own `prepare` would compile before the sources are copied;
# the native module is rebuilt explicitly instead.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- prod-deps: production dependencies only, native module built against the same Node ---
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 && npm cache clean --force

# --- runtime ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TOKEN_NINJA_HOST=0.0.0.0 \
    TOKEN_NINJA_STORE=sqlite:/data/token-ninja.db
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The image's own `node` user owns the data directory; nothing runs as root. Numeric, so that
# Kubernetes' runAsNonRoot can verify it.
RUN mkdir -p /data && chown node:node /data
USER 1000:1000
VOLUME /data
# 8080: agents' port; 8081: admin, /metrics, /healthz, /readyz.
EXPOSE 8080 8081
# No curl in slim images: node's fetch does the probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec form: the proxy is PID 1 and receives SIGTERM directly, so it drains and exits 0.
CMD ["node", "dist/cli/main.js"]
