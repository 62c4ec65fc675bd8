# syntax=docker/dockerfile:1
# One image for both processes: the worker (default) and the detector (args in deploy/detector.yaml).
#   docker build -t ghcr.io/OWNER/temporal-self-healing:0.1.0 .
# Debian slim, not Alpine: the Temporal core bridge and @swc/core ship glibc binaries.
# Pinned by tag; for reproducible builds pin the digest too (node:24-slim@sha256:…).
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY src ./src
# Compile, then drop the dev dependencies from node_modules.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the runtime user: the process cannot change its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's unprivileged user (uid 1000); the manifests also set runAsUser: 1000.
USER node
# node itself, not npm: signals reach the process (graceful shutdown on SIGTERM), and npm would
# want a writable cache under a read-only root filesystem.
ENTRYPOINT ["node"]
CMD ["dist/worker/main.js"]
