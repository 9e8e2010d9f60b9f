// Appends each jest run's totals to a file so .ci/run can print one closing line
// ("tests: N passed, N failed") over all the suites `npm test` runs, and prints the run's slowest
// tests: CI has a time budget, and this is where it goes.
const { appendFileSync, mkdirSync } = require('node:fs');
const { dirname, relative } = require('node:path');

const SLOWEST = 8;

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const tests = results.testResults.flatMap((file) =>
      file.testResults.map((t) => ({ file: relative(process.cwd(), file.testFilePath), title: t.title, ms: t.duration ?? 0 })),
    );
    const slow = tests.sort((a, b) => b.ms - a.ms).slice(0, SLOWEST).filter((t) => t.ms >= 5000);
    if (slow.length > 0) {
      process.stdout.write(`slowest tests:\n${slow.map((t) => `  ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.file}: ${t.title}`).join('\n')}\n`);
    }
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
