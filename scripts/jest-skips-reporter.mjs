// A jest reporter that makes skips visible in a full run: at the start, which of the suites' Debian packages
// are missing; at the end, after jest's summary, every test file that skipped tests and why they may have been
// skipped (a missing package, a WXRTC_SKIP_* variable). A banner printed inside one suite drowns in a full run;
// this is the last thing on the screen.

import { relative } from 'node:path';
import { isInstalled, PACKAGES } from './ensure-system-deps.mjs';

const SKIP_VARIABLES = [...new Set(PACKAGES.map((pkg) => pkg.skip))];

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export default class SkipsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.missing = [];
    this.startedAt = Date.now();
  }

  onRunStart() {
    this.startedAt = Date.now();
    this.missing = PACKAGES.filter((pkg) => !isInstalled(pkg));
    if (this.missing.length > 0) {
      process.stderr.write(`wxrtc: missing ${this.missing.map((pkg) => `${pkg.name} (${pkg.usedBy})`).join(', ')}: the suites that need them skip or fail; the list is repeated at the end\n`);
    }
  }

  onRunComplete(_contexts, results) {
    const lines = [];
    const skipped = results.testResults
      .map((file) => ({ file: relative(this.rootDir, file.testFilePath), skipped: file.numPendingTests + file.numTodoTests, total: file.testResults.length }))
      .filter((file) => file.skipped > 0)
      .sort((a, b) => a.file.localeCompare(b.file));
    const set = SKIP_VARIABLES.filter((name) => process.env[name] === '1');
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    if (skipped.length === 0 && this.missing.length === 0) {
      lines.push(`wxrtc: no test skipped (${plural(results.numTotalTests, 'test')} in ${plural(results.numTotalTestSuites, 'file')}, ${seconds} s)`);
    } else {
      lines.push('', '=== wxrtc: skipped in this run ===============================================================');
      for (const { file, skipped: n, total } of skipped) lines.push(`  ${file.padEnd(52)} ${n === total ? 'all' : n} of ${total} test${total === 1 ? '' : 's'} skipped`);
      if (skipped.length === 0) lines.push('  (no test file skipped tests)');
      for (const pkg of this.missing) lines.push(`  missing ${pkg.name}: ${pkg.usedBy} (sudo apt-get install -y ${pkg.name}; ${pkg.skip}=1 skips on purpose)`);
      if (set.length > 0) lines.push(`  set here: ${set.map((name) => `${name}=1`).join(' ')}`);
      lines.push('==============================================================================================', '');
    }
    // jest adds its summary reporter after every custom one; a turn of the event loop later, this comes after it.
    setImmediate(() => process.stderr.write(`${lines.join('\n')}\n`));
  }
}
