# One image for every PeerLink process; the command picks which (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
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
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx turbo run build --filter=!@peerlink/e2e && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=build /app /app
USER node
EXPOSE 4000
CMD ["node", "launcher/dist/main.js"]
