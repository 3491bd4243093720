// Prints what each test run's Vitest JSON report counts, then their total as the
// closing line, `N passed, N failed, N skipped`, which is what CI reads.
//   node .ci/test-summary.mjs "Node 20=test-results.json" "Node 24=test-results-node24.json"
// A run whose report is missing (Vitest did not get as far as writing it) counts as one failure.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const total = { passed: 0, failed: 0, skipped: 0 };
for (const argument of process.argv.slice(2)) {
  const [label, file] = argument.split('=');
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`${label}: no test report in ${file} (${error.code ?? error.message}): counted as 1 failed`);
    total.failed += 1;
    continue;
  }
  const run = {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
  for (const key of Object.keys(total)) total[key] += run[key];
  // Where the time goes, so that a suite growing slow is seen (a file run by two projects appears twice).
  const files = report.testResults.map((f) => [f.endTime - f.startTime, relative(process.cwd(), f.name)]);
  console.log(`${label}: slowest test files:`);
  for (const [ms, name] of files.sort((a, b) => b[0] - a[0]).slice(0, 10)) {
    console.log(`${(ms / 1000).toFixed(1).padStart(7)} s  ${name}`);
  }
  console.log(`${label}: ${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped`);
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
