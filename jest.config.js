// Unit tests (src/**/*.spec.ts) and end-to-end tests (test/**/*.e2e-spec.ts) in one run.
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testRegex: '(src/.*\\.spec\\.ts|test/.*\\.e2e-spec\\.ts)$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // @bull-board/fastify's @fastify/static needs content-disposition 3, which is ESM only:
    // Node loads it natively (require of ESM), Jest's module system needs it compiled.
    '/content-disposition/dist/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@bull-board/fastify/node_modules/content-disposition/|content-disposition/dist/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
  verbose: false,
};
