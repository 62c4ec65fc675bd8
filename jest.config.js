/**
 * Every suite runs against real servers: the time-skipping test server (spawned by the SDK from
 * the binary the lab built), and the lab's Temporal dev server and simulated cluster, whose
 * addresses scripts/test.sh passes in. Within one Jest run suites run serially (the lab suites share
 * one cluster and one dev server; the machine has two cores); scripts/test.sh runs the lab suites
 * and the others (each time-skipping suite on a test server of its own) as two runs side by side.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }] },
  setupFiles: ['<rootDir>/test/support/setup-logging.ts'],
  maxWorkers: 1,
  testTimeout: 120_000,
  slowTestThreshold: 30,
};
