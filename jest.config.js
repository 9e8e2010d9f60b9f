/** Unit tests are pure and fast; integration tests share one real broker started by globalSetup. */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const setupFiles = ['<rootDir>/test/support/silence-sdk-notice.ts'];
module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      setupFiles,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      setupFiles,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
    {
      // The DynamoDB ports' contract specs (test/contract/specs) against dynalite and against
      // moto's DynamoDB, which the moto file starts itself. `npm run test:contract`.
      displayName: 'contract',
      testMatch: ['<rootDir>/test/contract/**/*.test.ts'],
      transform,
      setupFiles,
      testEnvironment: 'node',
    },
    {
      // The fault suite: SIGKILLed processes, a broker stopped and restarted (its own, on another
      // port), poison records and HTTP fuzzing. `npm run test:faults`.
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      // The long tier (`npm run test:faults:long`) runs *.long.test.ts; the CI tier leaves them out.
      testPathIgnorePatterns: process.env.REPLOG_FAULT_TIER === 'long' ? [] : ['\\.long\\.test\\.ts$'],
      transform,
      setupFiles,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/faults/support/fault-setup.ts',
      globalTeardown: '<rootDir>/test/faults/support/fault-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/faults/support/fault-timeout.ts'],
    },
    {
      // `serverless package` for each stage (once, in globalSetup), then the templates, cfn-lint and
      // the bundled handlers; the local stage deployed into ministack on the local broker.
      // `npm run test:deploy`.
      displayName: 'deploy',
      testMatch: ['<rootDir>/test/deploy/**/*.test.ts'],
      transform,
      setupFiles,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/deploy/deploy-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
