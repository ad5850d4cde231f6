// The catalogue matches what is raised: every code in ErrorCode is raised by the side its comment says (7xxx by
// the SDK in src/, 8xxx by the dev server in server/ or the protocol module it answers with), so no page
// switches on a code that can never come. The READMEs' tables are checked against the same catalogue in
// test/docs/readme-claims.test.ts.

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ErrorCode, type ErrorCodeName } from '../../src/core/errors';

const root = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The catalogue itself, and the list of codes never retried: naming a code there raises nothing. */
const NOT_RAISING = new Set(['src/core/errors.ts', 'src/core/retry.ts']);
/** Lines of code (comments dropped) that name `ErrorCode.X`, per file. */
const mentions = (files: string[]) =>
  files
    .filter((file) => !NOT_RAISING.has(file))
    .map((file) => ({
      file,
      code: readFileSync(join(root, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
        .join('\n'),
    }));

// The SDK as shipped: src/testing is a test double of the trtc-room, not the SDK.
const sdk = mentions(sourceFiles('src').filter((f) => !f.startsWith('src/testing/') && !f.startsWith('src/inspect/')));
// The dev server, and the frame parser it answers refusals from.
const server = mentions([...sourceFiles('server'), 'src/core/protocol.ts']);

const raisedIn = (sources: typeof sdk, name: string) => sources.filter((s) => new RegExp(`\\bErrorCode\\.${name}\\b`).test(s.code)).map((s) => relative(root, join(root, s.file)));
const names = Object.keys(ErrorCode) as ErrorCodeName[];

test('every 7xxx code is raised by the SDK', () => {
  const unraised = names.filter((name) => ErrorCode[name] < 8000 && raisedIn(sdk, name).length === 0);
  expect(unraised).toEqual([]);
});

test('every 8xxx code is answered by the dev server', () => {
  const unraised = names.filter((name) => ErrorCode[name] >= 8000 && raisedIn(server, name).length === 0);
  expect(unraised).toEqual([]);
});

test('the SDK raises an 8xxx code only where the catalogue says it does', () => {
  const documented = (name: ErrorCodeName) => /raises it too|SDK raises/.test(catalogueCommentOf(name));
  const undocumented = names.filter((name) => ErrorCode[name] >= 8000 && raisedIn(sdk.filter((s) => s.file !== 'src/core/protocol.ts'), name).length > 0 && !documented(name));
  expect(undocumented).toEqual([]);
});

test('codes are unique and in the 7xxx / 8xxx ranges', () => {
  const codes = names.map((name) => ErrorCode[name]);
  expect(new Set(codes).size).toBe(codes.length);
  expect(codes.filter((code) => code < 7000 || code > 8999)).toEqual([]);
});

/** The comment lines right above `NAME: code,` in src/core/errors.ts (up to the entry before it). */
function catalogueCommentOf(name: ErrorCodeName): string {
  const lines = readFileSync(join(root, 'src/core/errors.ts'), 'utf8').split('\n');
  const at = lines.findIndex((line) => line.trim() === `${name}: ${ErrorCode[name]},`);
  let start = at;
  while (start > 0 && /^\s*(\/\/|\*|\/\*)/.test(lines[start - 1]!)) start--;
  return lines.slice(start, at).join('\n');
}
