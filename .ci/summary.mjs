// Sums vitest JSON reports into the one closing line CI reads: "N passed, N failed". Every failed
// test is named with the start of its failure, since CI keeps only the end of its output.
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

let passed = 0
let failed = 0
const failures = []
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`)
  passed += report.numPassedTests
  failed += report.numFailedTests + (report.numTotalTests === 0 ? 1 : 0)
  for (const suite of report.testResults) {
    for (const test of suite.assertionResults) {
      if (test.status !== 'failed') continue
      const why = (test.failureMessages[0] ?? '').split('\n').slice(0, 4).join('\n    ')
      failures.push(
        `${file}: ${relative(process.cwd(), suite.name)} > ${test.fullName}\n    ${why}`,
      )
    }
  }
}
if (failures.length > 0) console.log(`\nfailed:\n${failures.join('\n')}\n`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
