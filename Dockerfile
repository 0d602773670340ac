# One image for every PeerLink process; the command picks which (see docker-compose.yml).
# Three stages: `build` compiles every package and the explorer bundle with all dev tools,
# `deps` installs only the production dependencies of what runs, and the runtime stage holds
# those and the built output, running as the unprivileged `node` user.
FROM node:20.19.5-bookworm-slim AS manifests
WORKDIR /app
# Every workspace's package.json: npm ci refuses a lockfile whose workspaces it cannot see.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY platform/package.json platform/
COPY gateway/package.json gateway/
COPY launcher/package.json launcher/
COPY e2e/package.json e2e/
COPY subgraphs/identity/package.json subgraphs/identity/
COPY subgraphs/notifications/package.json subgraphs/notifications/
COPY subgraphs/social/package.json subgraphs/social/
COPY subgraphs/chat/package.json subgraphs/chat/
COPY subgraphs/drive/package.json subgraphs/drive/
COPY subgraphs/marketplace/package.json subgraphs/marketplace/
COPY subgraphs/payments/package.json subgraphs/payments/
COPY subgraphs/learning/package.json subgraphs/learning/
COPY subgraphs/live-sessions/package.json subgraphs/live-sessions/
COPY subgraphs/assistant/package.json subgraphs/assistant/
COPY subgraphs/analytics/package.json subgraphs/analytics/

FROM manifests AS build
RUN npm ci --no-audit --no-fund
COPY . .
# The launcher and everything it runs, including gateway/dist/explorer (gateway/explorer/build.mjs).
RUN npx turbo run build --filter=@peerlink/launcher... --output-logs=errors-only

FROM manifests AS deps
# The launcher depends on the gateway and every subgraph, so this is what any command needs; the
# e2e workspace, the explorer's React and esbuild, and the root's test tools stay out.
RUN npm ci --omit=dev --workspace=@peerlink/launcher --no-audit --no-fund && npm cache clean --force

FROM node:20.19.5-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=deps /app /app
COPY --from=build /app/schema/supergraph.graphql schema/
COPY --from=build /app/contracts/dist contracts/dist
COPY --from=build /app/platform/dist platform/dist
COPY --from=build /app/gateway/dist gateway/dist
# The pages' scripts and styles (email links, certificates, admin reports) are served from source, beside dist/.
COPY --from=build /app/gateway/pages gateway/pages
COPY --from=build /app/launcher/dist launcher/dist
COPY --from=build /app/subgraphs/identity/dist subgraphs/identity/dist
COPY --from=build /app/subgraphs/notifications/dist subgraphs/notifications/dist
COPY --from=build /app/subgraphs/social/dist subgraphs/social/dist
COPY --from=build /app/subgraphs/chat/dist subgraphs/chat/dist
COPY --from=build /app/subgraphs/drive/dist subgraphs/drive/dist
COPY --from=build /app/subgraphs/marketplace/dist subgraphs/marketplace/dist
COPY --from=build /app/subgraphs/payments/dist subgraphs/payments/dist
COPY --from=build /app/subgraphs/learning/dist subgraphs/learning/dist
COPY --from=build /app/subgraphs/live-sessions/dist subgraphs/live-sessions/dist
COPY --from=build /app/subgraphs/assistant/dist subgraphs/assistant/dist
COPY --from=build /app/subgraphs/analytics/dist subgraphs/analytics/dist
# DATA_DIR (.data) belongs to `node`: a named volume mounted on .data/files starts as a copy of
# this directory, owner included, so drive can write there.
RUN mkdir -p .data/files && chown -R node:node .data
USER node
EXPOSE 4000
CMD ["node", "launcher/dist/main.js"]
