// Two tiers (CONTRIBUTING, Test tiers): `unit` is src/**/*.spec.ts, pure rules, no servers and no
// global set-up (`npm run test:unit`); `e2e` is test/**/*.e2e-spec.ts against the embedded
// PostgreSQL and Redis that its global set-up starts. `npm test` runs both.
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // @bull-board/fastify's @fastify/static needs content-disposition 3, which is ESM only:
    // Node loads it natively (require of ESM), Jest's module system needs it compiled.
    '/content-disposition/dist/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@bull-board/fastify/node_modules/content-disposition/|content-disposition/dist/)'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // Global options (not per project): end-to-end tests under load need minutes; two cores.
  testTimeout: 120000,
  maxWorkers: 2,
  verbose: false,
};
