# Trestle in a container: `docker build -t trestle .` then
#   docker run -p 4000:4000 -v "$PWD/schema:/app/schema:ro" -e TRESTLE_REDIS_URL=redis://redis:6379 trestle
# Node 22 LTS (Node 20 is end-of-life). Build stage: every dependency, `npm ci` builds dist/
# through `prepare` (TypeScript). Runtime stage: production dependencies only, no build tools.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci

FROM node:22-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` would build dist/ again and needs TypeScript: the built dist/ comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY directives.graphql ./
# The schema: this repository's (the demo's), or mount your own over /app/schema.
COPY schema ./schema
# Non-root: the node image's own unprivileged user.
USER node
EXPOSE 4000
# slim images have no curl: Node's fetch asks /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# One process per container (scale with replicas); `--workers auto` uses every core the container is given.
# SIGTERM drains in-flight requests for up to --drain-timeout ms, then exits 0.
ENTRYPOINT ["node", "bin/trestle.js", "serve"]
CMD ["--schema", "schema/", "--host", "0.0.0.0", "--port", "4000"]
