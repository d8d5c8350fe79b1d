# syntax=docker/dockerfile:1
#
# The ccx reconciler image (`ccx serve`): docs/deploy-azure.md.
#   docker build -t ccx:dev .
#   docker run --rm -p 8080:8080 ccx:dev
#
# ccx has no build step: Node 24 runs the TypeScript sources directly with its type stripping
# (docs/adr/0001), so the image holds the production dependencies and the sources, nothing else.
# Secrets never enter the image: the platform passes them as environment variables at run time.

# --- deps: production dependencies only -----------------------------------------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `node` is a devDependency of the package: it provisions Node 24 for development machines.
# --omit=dev skips it (along with azure-native, vitest, typescript…): the base image already
# brings Node 24, which is the runtime we want.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
# ccx listens on loopback by default; in a container it must listen on every interface.
ENV NODE_ENV=production \
    CCX_HOST=0.0.0.0 \
    CCX_PORT=8080 \
    CCX_DATA_DIR=/var/lib/ccx
WORKDIR /app
# Code and dependencies stay owned by root: the process can read them, never rewrite them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY reconciler ./reconciler
COPY provider ./provider
COPY emulator ./emulator
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
