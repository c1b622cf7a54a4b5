# syntax=docker/dockerfile:1
#
# f1-ingest worker/CLI image. Two stages: `deps` resolves node_modules with npm (and its cache,
# lock rewrites, other platforms' binaries) and compiles the sources, `runtime` receives only the
# pruned tree and the compiled code, runs as the unprivileged `node` user and has no npm.
#
# `deps` also compiles src/ to dist/ (tsc, `npm run build`); the image ships dist/ and no src/, so
# bin/f1-ingest.js runs the compiled CLI and no tsx is installed. The Temporal worker bundles
# dist/workflows/ with webpack + swc when it starts.
#
# Built and tested for linux/amd64. linux/arm64 would also need @chdb/lib-linux-arm64-gnu in
# package-lock.json (the lock currently records only the x64 chDB binary, and the worker imports
# chdb even when it talks to a ClickHouse server).

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`, for the reason scripts/bootstrap.sh gives: the lock does not
# record every platform's optional binaries, and npm ci refuses such a lock. npm install still
# installs the locked versions. All of them first (TypeScript compiles dist/), then the dev ones
# (TypeScript, tsx, ESLint, the test kit) are pruned.
RUN npm install --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error
# @temporalio/core-bridge ships prebuilt binaries for five platforms (~140 MB) plus its Rust
# sources; keep only this architecture's. `test -f` fails the build if the layout ever changes
# instead of silently deleting the one binary the worker needs.
RUN set -eu; \
    releases=node_modules/@temporalio/core-bridge/releases; \
    keep="$(uname -m)-unknown-linux-gnu"; \
    test -f "$releases/$keep/index.node"; \
    find "$releases" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +; \
    rm -rf node_modules/@temporalio/core-bridge/sdk-core

FROM ${NODE_IMAGE} AS runtime
# npm, npx, corepack and yarn are not needed to run the service; removing them shrinks the image
# and the set of binaries a compromised process could use. Data dir for the unprivileged user.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && mkdir -p /var/lib/f1-ingest \
 && chown node:node /var/lib/f1-ingest
WORKDIR /app
ENV NODE_ENV=production \
    F1_INGEST_DATA_DIR=/var/lib/f1-ingest
# Code and dependencies stay root-owned and read-only for the `node` user.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=deps /app/dist ./dist
# `f1-ingest` on PATH, so `docker compose run --rm worker f1-ingest backfill ...` reads like the
# README. Node resolves the symlink, so bin/f1-ingest.js finds ../dist and node_modules.
RUN chmod 0755 bin/f1-ingest.js \
 && ln -s /app/bin/f1-ingest.js /usr/local/bin/f1-ingest
# The image's `node` user, by number so a runtime can check it is not root without resolving
# names (e.g. Kubernetes runAsNonRoot).
USER 1000:1000
# Build-time smoke tests, as the runtime user: the CLI's whole module graph loads (the
# Temporal native bridge, chDB's native addon, the AWS SDK...), and the workflow code bundles
# with the webpack/swc the worker will use at start-up. A missing production dependency fails
# the build here rather than the first worker in production.
RUN f1-ingest --help >/dev/null \
 && node --input-type=module -e " \
      const { bundleWorkflowCode } = await import('@temporalio/worker'); \
      const { code } = await bundleWorkflowCode({ workflowsPath: '/app/dist/workflows/index.js' }); \
      if (!code.includes('seasonBackfill')) throw new Error('workflow bundle lacks seasonBackfill'); \
    " >/dev/null
# How the worker is run (src/worker-process-env.ts says why; test/unit/compose-file.test.ts keeps
# the two equal). After the smoke tests: webpack there needs more heap than the worker's cap.
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=256"
# No ENTRYPOINT: the command names the program, so `run ... f1-ingest sql "..."` works too.
CMD ["f1-ingest", "worker"]
