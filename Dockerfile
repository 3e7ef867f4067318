# Production image: production dependencies only (no embedded PostgreSQL), non-root.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# tsx's esbuild ships its binary as an optional dependency; no install script is needed.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY sql ./sql
COPY docs ./docs
USER node
EXPOSE 8000
# Asks the port the server listens on ($PORT), not the image's default.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8000}/health/ready`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.ts applies pending migrations, then serves.
CMD ["node_modules/.bin/tsx", "src/main.ts"]
