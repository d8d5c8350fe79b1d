# syntax=docker/dockerfile:1
#
# The ccx reconciler image (`ccx serve`): docs/deploy-azure.md.
#   docker build -t ccx:dev .
#   docker run --rm -p 8080:8080 ccx:dev
#
# The image installs the @ccx/reconciler package exactly as `npm pack` publishes it: compiled
# JavaScript and its production dependencies, nothing else (docs/adr/0009-packages.md).
# Secrets never enter the image: the platform passes them as environment variables at run time.

# --- build: compile and pack @ccx/reconciler --------------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
# --ignore-scripts: the base image brings Node 24, so the `node` devDependency that provisions it
# on development machines is not needed; the build below runs tsc itself.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build --workspace @ccx/reconciler \
 && npm pack --workspace @ccx/reconciler --ignore-scripts --pack-destination /pack

# --- deps: the packed package with production dependencies only ------------------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY --from=build /pack/ /pack/
RUN --mount=type=cache,target=/root/.npm \
    echo '{"name":"ccx-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /pack/ccx-reconciler-*.tgz

# --- runtime ----------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
# ccx listens on loopback by default; in a container it must listen on every interface.
# The malloc setting is the one `ccx` would otherwise start itself again with (ADR 0013).
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    CCX_HOST=0.0.0.0 \
    CCX_PORT=8080 \
    CCX_DATA_DIR=/var/lib/ccx
WORKDIR /app
# Code and dependencies stay owned by root: the process can read them, never rewrite them.
COPY --from=deps /app/node_modules ./node_modules
RUN ln -s node_modules/@ccx/reconciler/bin bin
# The embedded store (PGlite) needs one writable directory when no database URL is set.
RUN mkdir -p /var/lib/ccx && chown 1000:1000 /var/lib/ccx
# The `node` user of the official image, by number so that platforms enforcing "run as
# non-root" can verify it without reading /etc/passwd.
USER 1000:1000
EXPOSE 8080
# Slim images have no curl: ask Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CCX_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/ccx.js", "serve"]
