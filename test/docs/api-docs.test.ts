// `npm run docs` builds the API reference from the TSDoc, and fails when an exported symbol (or a class's
// method, accessor or property) has no doc comment: run it into a temporary folder and look at the result.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
let out = '';
let output = '';

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'wxrtc-api-'));
  // The same script `npm run docs` runs, with --out so the test never touches docs/api/.
  output = execFileSync(process.execPath, [join(root, 'scripts', 'api-docs', 'run.mjs'), '--out', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}, 150_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

test('npm run docs is the generator this test runs', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(pkg.scripts.docs).toBe('node scripts/api-docs/run.mjs');
});

test('it succeeds with every public symbol documented, and writes one page per entry', () => {
  expect(output).toContain('API reference:');
  expect(output).not.toMatch(/no doc comment|warning/);
  expect(existsSync(join(out, 'index.html'))).toBe(true);
  for (const entry of ['wxrtc', 'wxrtc_testing', 'wxrtc_inspect', 'wxrtc_inspect_node']) expect(existsSync(join(out, 'modules', `${entry}.html`))).toBe(true);
});

test('the reference shows the facade with its doc comments', () => {
  const page = readFileSync(join(out, 'classes', 'wxrtc.TRTC.html'), 'utf8');
  for (const method of ['enterRoom', 'exitRoom', 'setPlayerAttributes', 'bindPage', 'setUserVisibility', 'pusherEventHandler']) expect(page).toContain(method);
  expect(page).toContain('The trtc-wx compatible facade');
  const runtime = readFileSync(join(out, 'classes', 'wxrtc_testing.HeadlessRuntime.html'), 'utf8');
  expect(runtime).toContain('The headless mini-program runtime');
});
