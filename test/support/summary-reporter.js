// Appends each jest run's totals to a file so .ci/run can print one closing line
// ("tests: N passed, N failed") over all the suites `npm test` runs.
const { appendFileSync, mkdirSync } = require('node:fs');
const { dirname } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.REPLOG_TEST_SUMMARY;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(
      file,
      `${JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailed: results.numFailedTestSuites + results.numRuntimeErrorTestSuites,
      })}\n`,
    );
  }
}

module.exports = SummaryReporter;
