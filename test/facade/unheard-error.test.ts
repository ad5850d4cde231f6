// An ERROR with no listener must not be silent. README and trtc-wx pages often register none: a refused
// enterRoom then gave url "", a start() that did nothing, and not one log line even at log level 0.

import { ErrorCode } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { createPage } from '../../src/testing/page';
import { installWx } from '../../src/testing/wx';
import { TRTC } from '../../src/trtc';

const lines: Array<{ level: string; text: string }> = [];
let uninstall: () => void;

beforeEach(() => {
  lines.length = 0;
  uninstall = installWx().uninstall;
  logger.setSink((level, args) => void lines.push({ level, text: args.map(String).join(' ') }));
});

afterEach(() => {
  logger.setSink(null);
  logger.setLevel(2);
  uninstall();
});

const refused = { sdkAppID: 1400000001, userID: 'alice', userSig: '', roomID: 1234 };

test('a refused enterRoom on a page without an ERROR listener is logged at warn level, with its code', () => {
  const trtc = new TRTC(createPage({}));
  trtc.createPusher({});
  expect(trtc.enterRoom(refused).url).toBe('');
  const warnings = lines.filter((line) => line.level === 'warn');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.text).toContain(String(ErrorCode.INVALID_USER_SIG));
  expect(warnings[0]!.text).toMatch(/no ERROR listener/);
  trtc.destroy();
});

test('with an ERROR listener the page hears it and nothing is logged; setLogLevel(ERROR) silences the warning', () => {
  const heard: number[] = [];
  const listening = new TRTC(createPage({}));
  listening.on(listening.EVENT.ERROR, (event) => heard.push((event.data as { code: number }).code));
  listening.enterRoom(refused);
  expect(heard).toEqual([ErrorCode.INVALID_USER_SIG]);
  expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
  listening.destroy();

  const quiet = new TRTC(createPage({}), { logLevel: 3 });
  quiet.enterRoom(refused);
  expect(lines).toEqual([]);
  quiet.destroy();
});
