# Cordon: web app and delivery worker. `docker compose up` runs it with PostgreSQL and a mail catcher.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends gnupg ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm install --no-audit --no-fund && npm prune --omit=dev
ENV NODE_ENV=production HTTP_HOST=0.0.0.0 DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 3000 2525
USER node
CMD ["node", "dist/apps/cli/src/main.js", "serve"]
