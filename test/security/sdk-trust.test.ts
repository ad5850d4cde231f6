// Attacks on the SDK itself, all in process: a page (or whatever fills its enterRoom params) injecting
// parameters into the room:// url, and a hostile signaling server (a scripted socket) sending urls, timers,
// sequence numbers, identities, crowds and answers the SDK must not take at face value. Every attack is
// bounded in count and time and needs no network.

import fc from 'fast-check';
import { ErrorCode } from '../../src/errors';
import { buildRoomUrl } from '../../src/services/signaling/trtc-room';
import { checkEnterParams } from '../../src/machines/enter-params';
import { createRig, type Rig } from '../helpers/facade';
import { validParams } from '../helpers/status';

/** The parameters of a room url, split by hand (URLSearchParams would hide a raw '+' or a stray '%'). */
function queryOf(url: string): Array<[string, string]> {
  return url
    .slice(url.indexOf('?') + 1)
    .split('&')
    .map((pair) => {
      const cut = pair.indexOf('=');
      return [pair.slice(0, cut), decodeURIComponent(pair.slice(cut + 1))] as [string, string];
    });
}

const ROOM_URL_KEYS = [
  'sdkappid', 'roomid', 'userid', 'usersig', 'appscene', 'encsmall', 'cloudenv', 'enableBlackStream', 'streamid',
  'userdefinerecordid', 'privatemapkey', 'pureaudiomode', 'recvmode', 'enableinfiniteanchor', 'component',
];

const INJECTIONS = [
  'x&usersig=EVIL&roomid=9',
  'x#fragment',
  'x=y',
  'a b',
  'a%26b',
  '?roomid=9',
  'r'.repeat(65),
  'rec.1',
  'записъ',
  'x\u0000y',
  'x\r\nHost: evil',
];

describe('item 4: injected room url parameters', () => {
  let rig: Rig;
  afterEach(() => rig?.dispose());

  test.each(['userDefineRecordId', 'userDefineRecordID', 'streamID', 'privateMapKey'])(
    '%s carrying url syntax is refused with INVALID_URL_PARAM: no url, no room',
    (field) => {
      const payloads = field === 'privateMapKey' ? INJECTIONS.filter((p) => p !== 'r'.repeat(65) && p !== 'x=y') : INJECTIONS;
      for (const payload of payloads) {
        rig = createRig();
        rig.trtc.createPusher({});
        const attributes = rig.trtc.enterRoom({ ...validParams, [field]: payload } as never);
        expect(rig.of('ERROR').map((e) => [e.data.code, e.data.data?.key])).toEqual([
          [ErrorCode.INVALID_URL_PARAM, field === 'userDefineRecordID' ? 'userDefineRecordId' : field],
        ]);
        expect(attributes.url).toBe('');
        expect(rig.trtc.actor.getSnapshot().value).toBe('idle');
        rig.dispose();
      }
    },
  );

  test('the documented alphabets are accepted: 64 bytes of a-zA-Z0-9_- and a TLS-signed privateMapKey', () => {
    const record = `Rec_${'a'.repeat(56)}-Z09`;
    expect(record).toHaveLength(64);
    const check = checkEnterParams({ ...validParams, userDefineRecordId: record, streamID: 'sdk_1234_alice_main', privateMapKey: 'eJw1jcEKgjAQRP9l*-_Tg==' });
    expect(check.ok).toBe(true);
  });

  test('values without a documented alphabet are encoded: no parameter can be added or replaced (500 random values)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('&', '=', '#', '%', '?', ' ', '+', '/', "'", 'a', '1'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 }), fc.constantFrom('cloudenv', 'enableBlackStream', 'pureAudioMode', 'userSig'), (value, field) => {
        fc.pre(value.trim().length > 0);
        const check = checkEnterParams({ ...validParams, [field]: value });
        if (!check.ok) throw new Error(check.error.message);
        const query = queryOf(buildRoomUrl(check.params));
        expect(query.map(([key]) => key)).toEqual(ROOM_URL_KEYS);
        const wireKey = field === 'userSig' ? 'usersig' : field === 'cloudenv' ? 'cloudenv' : field === 'pureAudioMode' ? 'pureaudiomode' : 'enableBlackStream';
        // A lone surrogate has no UTF-8 form and goes as U+FFFD; everything else round-trips exactly.
        expect(new Map(query).get(wireKey)).toBe(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
        expect(new Map(query).get('roomid')).toBe('1234');
      }),
      { numRuns: 500, seed: 4 },
    );
  });

  test('the attack from the report: userDefineRecordId "x&usersig=EVIL&roomid=9" never reaches a url, and free fields cannot carry it either', () => {
    expect(checkEnterParams({ ...validParams, userDefineRecordId: 'x&usersig=EVIL&roomid=9' }).ok).toBe(false);
    const check = checkEnterParams({ ...validParams, cloudenv: 'PRO&usersig=EVIL&roomid=9' });
    if (!check.ok) throw new Error(check.error.message);
    const url = buildRoomUrl(check.params);
    const query = new Map(queryOf(url));
    expect(query.get('usersig')).toBe('sig-alice');
    expect(query.get('roomid')).toBe('1234');
    expect(query.get('cloudenv')).toBe('PRO&usersig=EVIL&roomid=9');
    expect(url.match(/&usersig=/g)).toHaveLength(1);
  });
});
