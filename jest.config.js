// jest runs TypeScript through @swc/jest (ts-jest refuses TypeScript 7). Types are checked separately by `npm run typecheck`.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // @statelyai/inspect ships ESM only (.mjs); the inspector's tests load it through the SDK's inspect entry.
    '^.+\\.mjs$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@statelyai/inspect/)'],
  // The example mini-program's `require('wxrtc')` runs the sources, so its tests need no build first.
  moduleNameMapper: { '^wxrtc$': '<rootDir>/src/index.ts' },
  testTimeout: 20000,
  // After jest's summary: which test files skipped tests and which Debian packages are missing (a banner inside
  // one suite drowns in a full run).
  reporters: ['default', '<rootDir>/scripts/jest-skips-reporter.mjs'],
};
