# Cordon's image: one image, three roles (docker-compose.yml runs each as a service of its own):
#   node dist/apps/cordon/src/main.js serve --role web      the web app and API (HTTP_PORT, 3000)
#   node dist/apps/cordon/src/main.js serve --role relay    the SMTP/LMTP ingress (SMTP_PORT, 2525)
#   node dist/apps/cordon/src/main.js serve --role worker   the delivery worker (no port)
#   node dist/apps/cordon/src/main.js init                  migrations, list key, server secret (one-shot)
# The roles need a PostgreSQL (DATABASE_URL): the embedded database is one process's.
# No secret is baked in: the server secret (SECRET_KEY_FILE) is created on the first `init`, in the
# /data volume; settings come from the environment (.env files are not copied into the image).
# Runtime needs no GnuPG: OpenPGP is done by OpenPGP.js inside Node.

# The build stage has a compiler (the full Debian image); the runtime stage is the slim image of the
# same Debian release, so the native module compiled here loads there.
# Node 24, a current LTS line (22 works too; 20 is past its end of life).
ARG BUILD_IMAGE=node:24-bookworm
ARG RUNTIME_IMAGE=node:24-bookworm-slim

# ---- build: all dependencies (TypeScript), compile to dist/, then drop the dev dependencies ----
FROM ${BUILD_IMAGE} AS build
# node-gyp takes Node's headers from the image (official images install them under /usr/local)
# instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (a build) would run before the sources are here.
# argon2 is then built from source: its bundled prebuilt binary crashed on load on Debian 12 with
# Node 20 (node-gyp-build tries the prebuilt one first and compiles when it fails).
RUN npm install --no-audit --no-fund --ignore-scripts \
 && npm rebuild argon2 \
 && node -e "require('argon2')"
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY migrations ./migrations
COPY libs ./libs
COPY apps ./apps
COPY bench ./bench
RUN npm run -s build \
 && npm prune --omit=dev --no-audit --no-fund --ignore-scripts \
 && node -e "require('argon2')"

# ---- runtime: production dependencies and the compiled code only; no compiler, no GnuPG ----
FROM ${RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    SMTP_HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The data volume belongs to the unprivileged `node` user (uid 1000) of the base image; a new named
# volume mounted here takes this ownership.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME /data
EXPOSE 3000 2525
USER node:node
# Without a command: every role in one process (what `npm start` runs), which also works on the
# embedded database in /data. docker-compose.yml gives each service its own `--role`.
CMD ["node", "dist/apps/cordon/src/main.js", "serve"]
