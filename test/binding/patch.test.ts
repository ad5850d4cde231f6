// The page binding's patch computation (pure), and the binding itself on the headless Page host: which paths
// it writes, one setData per tick, nothing when nothing changed, list growth, shrink and middle removal.

import fc from 'fast-check';
import { computePatch, jsonCopy, type JsonValue } from '../../src/view/page-binding';
import { applySetData } from '../../src/testing/set-data';
import { createRig, type Rig } from '../helpers/facade';
import { playerEvent, status } from '../helpers/status';
import { ErrorCode } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { TRTC } from '../../src/trtc';
import { installWx } from '../../src/testing/wx';

const player = (id: string, extra: Record<string, JsonValue> = {}): Record<string, JsonValue> => ({
  id,
  userID: id.replace(/_main$/, ''),
  src: `room://cloud.tencent.com/rtc?userid=${id}&streamtype=main`,
  muteAudio: true,
  muteVideo: true,
  hasAudio: true,
  hasVideo: true,
  volume: 0,
  netStatus: {},
  ...extra,
});

/** What the page holds after applying `patch` to `{ [key]: prev }`. */
function applied(key: string, prev: JsonValue | undefined, patch: Record<string, unknown>): unknown {
  const data: Record<string, unknown> = prev === undefined ? {} : { [key]: JSON.parse(JSON.stringify(prev)) };
  applySetData(data, patch);
  return data[key];
}

describe('computePatch', () => {
  test('equal values need no patch, even when they are different objects', () => {
    expect(computePatch('pusher', { url: 'a', netStatus: { fps: 1 } }, { url: 'a', netStatus: { fps: 1 } })).toEqual({});
    expect(computePatch('playerList', [player('a_main')], [player('a_main')])).toEqual({});
  });

  test('a changed field is one path', () => {
    expect(computePatch('pusher', { url: '', mode: 'RTC' }, { url: 'room://x', mode: 'RTC' })).toEqual({ 'pusher.url': 'room://x' });
    const before = [player('a_main'), player('b_main'), player('c_main'), player('d_main')];
    const after = before.map((p, i) => (i === 3 ? { ...p, volume: 42 } : p));
    expect(computePatch('playerList', before, after)).toEqual({ 'playerList[3].volume': 42 });
  });

  test('a nested object that lost keys is written whole at its own path, not its parent', () => {
    const before = { url: 'u', netStatus: { videoBitrate: 800, audioBitrate: 48 } };
    const after = { url: 'u', netStatus: {} };
    expect(computePatch('pusher', before, after)).toEqual({ 'pusher.netStatus': {} });
  });

  test('a value the page does not have yet is written whole', () => {
    expect(computePatch('playerList', undefined, [])).toEqual({ playerList: [] });
    expect(computePatch('pusher', undefined, { url: 'u' })).toEqual({ pusher: { url: 'u' } });
  });

  test('an object that gained most of its keys is cheaper whole', () => {
    const full = { url: 'u', mode: 'RTC', enableMic: true, enableCamera: true, minBitrate: 600, maxBitrate: 900 };
    expect(computePatch('pusher', {}, full)).toEqual({ pusher: full });
  });

  test('growth appends the new elements only', () => {
    const before = [player('a_main'), player('b_main')];
    const added = player('c_main');
    expect(computePatch('playerList', before, [...before, added])).toEqual({ 'playerList[2]': added });
  });

  test('shrinking at the end or removing in the middle rewrites the list (setData cannot shorten an array)', () => {
    const list = [player('a_main'), player('b_main'), player('c_main'), player('d_main')];
    expect(computePatch('playerList', list, list.slice(0, 3))).toEqual({ playerList: list.slice(0, 3) });
    const middleRemoved = [list[0]!, list[2]!, list[3]!];
    expect(computePatch('playerList', list, middleRemoved)).toEqual({ playerList: middleRemoved });
    expect(computePatch('playerList', list, [])).toEqual({ playerList: [] });
  });

  test('a list replaced by different players of the same length is cheaper element by element or whole, never more', () => {
    const before = [player('a_main'), player('b_main')];
    const after = [player('x_main', { volume: 3 }), player('b_main')];
    const patch = computePatch('playerList', before, after);
    expect(applied('playerList', before, patch)).toEqual(after);
    expect(JSON.stringify(patch).length).toBeLessThanOrEqual(JSON.stringify({ playerList: after }).length);
  });

  test('keys a data path cannot address are written through their parent', () => {
    expect(computePatch('pusher', { a: 1, 'x.y': 1 }, { a: 1, 'x.y': 2 })).toEqual({ pusher: { a: 1, 'x.y': 2 } });
    expect(computePatch('pusher', { info: { '0': 1 } }, { info: { '0': 2 } })).toEqual({ 'pusher.info': { '0': 2 } });
    // An odd key that did not change does not force anything.
    expect(computePatch('pusher', { a: 1, 'x.y': 1 }, { a: 2, 'x.y': 1 })).toEqual({ 'pusher.a': 2 });
  });

  test('a type change at a path is written whole there', () => {
    expect(computePatch('pusher', { netStatus: { a: 1 } }, { netStatus: [1] })).toEqual({ 'pusher.netStatus': [1] });
    expect(computePatch('pusher', { url: null }, { url: 'u' })).toEqual({ 'pusher.url': 'u' });
  });

  test('property: applying the patch gives exactly the new value, and it is never bigger than writing it whole', () => {
    // Keys setData paths can and cannot address, and "__proto__"-free (a JS object cannot hold it as data).
    const key = fc.constantFrom('a', 'b', 'volume', 'net_1', 'x.y', '0', 'k[1]');
    const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom<JsonValue>(null, true, false, 0, 1, 42, 'a', ''),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, json, (prevRaw, nextRaw) => {
        const prev = jsonCopy(prevRaw)!;
        const next = jsonCopy(nextRaw)!;
        const patch = computePatch('root', prev, next);
        expect(applied('root', prev, patch)).toEqual(next);
        expect(JSON.stringify(patch).length).toBeLessThanOrEqual(JSON.stringify({ root: next }).length);
        if (JSON.stringify(prev) === JSON.stringify(next)) expect(patch).toEqual({});
      }),
      { seed: 20261121, numRuns: 500 },
    );
  });
});

describe('TRTC#bindPage on a headless page', () => {
  let rig: Rig;
  afterEach(() => rig?.dispose());

  /** setData calls the binding made (the page itself makes none in these tests). */
  const calls = () => rig.page.setDataCalls.map((c) => c.patch);
  const tick = () => Promise.resolve();

  function boundRoomWith(...users: string[]): Rig {
    const r = createRig();
    r.trtc.bindPage();
    r.join();
    for (const user of users) r.status(status.joined(user), status.video(user, true), status.audio(user, true));
    return r;
  }

  test('everything one tick changes goes out in one setData call, after the handler returned', async () => {
    rig = boundRoomWith('bob', 'carol', 'dave');
    expect(calls()).toHaveLength(0);
    await tick();
    expect(calls()).toHaveLength(1);
    const data = rig.page.data as { pusher: { url: string }; playerList: Array<{ id: string; hasVideo: boolean; hasAudio: boolean }> };
    expect(data.pusher.url).toMatch(/^room:\/\/cloud\.tencent\.com\/rtc\?/);
    expect(data.playerList.map((p) => `${p.id}:${p.hasVideo}${p.hasAudio}`)).toEqual(['bob_main:truetrue', 'carol_main:truetrue', 'dave_main:truetrue']);
    expect(data).toEqual({ pusher: rig.trtc.getPusherAttributes(), playerList: rig.trtc.getPlayerList() });
  });

  test('nothing changed, nothing sent', async () => {
    rig = boundRoomWith('bob');
    await tick();
    const before = calls().length;
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false }); // already false (auto-pull)
    rig.trtc.setPusherAttributes({});
    rig.trtc.playerEventHandler(playerEvent('bob_main', { code: 2004, message: 'playing' })); // no attribute change
    await tick();
    expect(calls()).toHaveLength(before);
  });

  test('a volume notification is one path; a net status is one path', async () => {
    rig = boundRoomWith('bob', 'carol');
    await tick();
    rig.page.setDataCalls.length = 0;
    rig.trtc.playerAudioVolumeNotify(playerEvent('carol_main', { volume: 42 }));
    await tick();
    expect(calls()).toEqual([{ 'playerList[1].volume': 42 }]);
    rig.trtc.playerNetStatus(playerEvent('bob_main', { info: { videoBitrate: 800, videoFPS: 15 } }));
    await tick();
    expect(calls()[1]).toEqual({ 'playerList[0].netStatus': { videoBitrate: 800, videoFPS: 15 } });
    rig.trtc.pusherAudioVolumeNotify({ detail: { volume: 7 } });
    await tick();
    expect(calls()[2]).toEqual({ 'pusher.volume': 7 });
  });

  test('volumes of several players in one tick: one call with one path each', async () => {
    rig = boundRoomWith('bob', 'carol', 'dave');
    await tick();
    rig.page.setDataCalls.length = 0;
    rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 10 }));
    rig.trtc.playerAudioVolumeNotify(playerEvent('dave_main', { volume: 30 }));
    rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 11 }));
    await tick();
    expect(calls()).toEqual([{ 'playerList[0].volume': 11, 'playerList[2].volume': 30 }]);
  });

  test('a user leaving from the middle rewrites the list once; a new user appends', async () => {
    rig = boundRoomWith('bob', 'carol', 'dave');
    await tick();
    rig.page.setDataCalls.length = 0;
    rig.status(status.left('carol'));
    await tick();
    expect(calls()).toHaveLength(1);
    expect(Object.keys(calls()[0]!)).toEqual(['playerList']);
    expect((rig.page.data.playerList as Array<{ id: string }>).map((p) => p.id)).toEqual(['bob_main', 'dave_main']);
    rig.status(status.joined('erin'), status.video('erin', true));
    await tick();
    expect(Object.keys(calls()[1]!)).toEqual(['playerList[2]']);
    expect(rig.page.data.playerList).toEqual(rig.trtc.getPlayerList());
  });

  test('exitRoom empties the list and resets the pusher whole (keys went away)', async () => {
    rig = boundRoomWith('bob');
    await tick();
    rig.page.setDataCalls.length = 0;
    const result = rig.trtc.exitRoom();
    await tick();
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toMatchObject({ playerList: [] });
    expect(rig.page.data).toEqual(JSON.parse(JSON.stringify(result)));
  });

  test('the page may setData its own keys; the binding leaves them alone and keeps its own right', async () => {
    rig = createRig();
    rig.page.setData({ title: 'meeting', playerList: [] });
    rig.trtc.bindPage();
    rig.join();
    rig.page.setData({ title: 'in the meeting' });
    rig.status(status.joined('bob'), status.audio('bob', true));
    await tick();
    expect(rig.page.data.title).toBe('in the meeting');
    expect(rig.page.data.playerList).toEqual(rig.trtc.getPlayerList());
    const bindingCalls = rig.page.setDataCalls.filter((c) => !('title' in c.patch));
    expect(bindingCalls).toHaveLength(1);
  });

  test('custom keys, data paths included', async () => {
    rig = createRig();
    rig.trtc.bindPage({ pusherKey: 'call.me', playerListKey: 'call.others' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    await tick();
    const call = rig.page.data.call as { me: unknown; others: unknown };
    expect(call.me).toEqual(rig.trtc.getPusherAttributes());
    expect(call.others).toEqual(rig.trtc.getPlayerList());
    rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 5 }));
    await tick();
    expect(rig.page.setDataCalls.at(-1)!.patch).toEqual({ 'call.others[0].volume': 5 });
  });

  test('what the page already has at bind time is not sent again', async () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.page.setData({ pusher: rig.trtc.getPusherAttributes(), playerList: rig.trtc.getPlayerList() });
    rig.page.setDataCalls.length = 0;
    rig.trtc.bindPage();
    await tick();
    expect(calls()).toHaveLength(0);
  });

  test('unbind sends what is pending, then nothing more; bindPage again starts from what the page has', async () => {
    rig = boundRoomWith('bob');
    const unbind = rig.trtc.bindPage();
    rig.status(status.joined('carol'), status.audio('carol', true));
    unbind();
    expect(rig.page.data.playerList).toEqual(rig.trtc.getPlayerList());
    const sent = calls().length;
    rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 9 }));
    await tick();
    expect(calls()).toHaveLength(sent);
    rig.trtc.bindPage();
    await tick();
    expect(calls().at(-1)).toEqual({ 'playerList[0].volume': 9 });
  });

  test('destroy ends the binding without another setData', async () => {
    rig = boundRoomWith('bob');
    await tick();
    const sent = calls().length;
    rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 9 }));
    rig.trtc.destroy();
    await tick();
    expect(calls()).toHaveLength(sent);
  });

  test('a page without setData is refused with a logged code, never an exception, and nothing is bound', () => {
    const { uninstall } = installWx();
    const lines: string[] = [];
    logger.setSink((level, args) => void lines.push(`${level} ${args.map(String).join(' ')}`));
    try {
      const trtc = new TRTC({}, { logLevel: 3 });
      let unbind: (() => void) | undefined;
      expect(() => (unbind = trtc.bindPage())).not.toThrow();
      expect(lines.some((l) => l.startsWith('error') && l.includes(String(ErrorCode.INVALID_ARGUMENT)))).toBe(true);
      expect(() => unbind!()).not.toThrow();
      trtc.destroy();
    } finally {
      logger.setSink(null);
      uninstall();
    }
  });
});

describe('bindPage when the page throws', () => {
  test('a setData that throws is retried in full on the next tick', async () => {
    const rig = createRig();
    try {
      let fail = true;
      const setData = rig.page.setData.bind(rig.page);
      rig.page.setData = (patch: Record<string, unknown>, callback?: () => void) => {
        if (fail) throw new Error('view gone');
        setData(patch, callback);
      };
      rig.trtc.bindPage();
      rig.join();
      rig.status(status.joined('bob'), status.video('bob', true));
      await Promise.resolve();
      expect(rig.page.setDataCalls).toHaveLength(0);
      fail = false;
      rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 3 }));
      await Promise.resolve();
      expect(rig.page.data).toEqual({ pusher: rig.trtc.getPusherAttributes(), playerList: rig.trtc.getPlayerList() });
    } finally {
      rig.dispose();
    }
  });
});
