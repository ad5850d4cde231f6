// The example's meeting page (example/miniprogram/pages/meeting) end to end against the dev server: eight
// instances fill the grid and each plays the other seven, a ninth is refused by the 8-visible-user limit,
// and one leaving empties its cell everywhere. The page's data is kept by trtc.bindPage().

import { startDevServer, type DevServer } from '../../server';
import { ErrorCode } from '../../src/core/errors';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { ExamplePage, bindingsFromWxml, eventually, readWxml } from './harness';

let server: DevServer;
let runtime: HeadlessRuntime;
const pages: ExamplePage[] = [];

beforeAll(async () => {
  server = await startDevServer({ port: 0, inspector: false });
  runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
});

afterAll(async () => {
  for (const page of pages) page.unload();
  await runtime?.close();
  await server?.close();
});

function open(userID: string): ExamplePage {
  const page = new ExamplePage(runtime, 'meeting');
  pages.push(page);
  return page.load({ driver: 'websocket', signalingUrl: server.wsUrl, sdkAppID: String(server.sdkAppID), userID, userSig: server.genUserSig(userID), roomID: '6201' });
}

test('the grid binds the data bindPage keeps (pusher, playerList)', () => {
  const bindings = bindingsFromWxml(readWxml('meeting'));
  expect(bindings.pusher.dataPath).toBe('pusher');
  expect(bindings.players).toMatchObject({ listPath: 'playerList', idField: 'id' });
  expect(bindings.streamIdField).toBe('streamID');
});

test('eight in the grid, each plays the other seven; a ninth is refused; one leaves', async () => {
  const names = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];
  const meeting = names.map(open);
  for (const me of meeting) {
    const others = names.filter((n) => n !== me.data.userID).map((n) => `${n}_main`).sort();
    await eventually(
      () => JSON.stringify(me.playing()) === JSON.stringify(others) && me.data.status === 'in the meeting',
      () => `${me.data.userID}: playing ${me.playing()} of ${me.playerIds()}, status ${me.data.status}, error ${me.data.error}`,
      15_000,
    );
    expect(me.playerIds()).toEqual(others);
    expect(me.mounted.pusher.state).toBe('pushing');
    // autopush: the pusher started itself once bindPage rendered the url; the page never called start().
    expect(me.data.pusher).toMatchObject({ autopush: true, url: expect.stringMatching(/^rtmp:\/\//) });
    for (const item of me.data.playerList as Array<Record<string, unknown>>) expect(item).toMatchObject({ muteVideo: false, muteAudio: false });
  }

  // A mini-program room holds 8 visible users: the ninth gets 8020 on the page and no room.
  const ninth = open('ivy');
  await eventually(() => ninth.data.error !== '', () => `the ninth was not refused: status ${ninth.data.status}`);
  expect(ninth.data.error).toMatch(new RegExp(`^${ErrorCode.VISIBLE_USER_LIMIT} `));
  expect(ninth.saw('LOCAL_JOIN')).toBe(false);
  ninth.unload();

  // bindPage patched paths rather than sending whole lists: its setData calls are small.
  const ann = meeting[0]!;
  const largest = Math.max(...ann.page.setDataCalls.map((call) => call.bytes));
  expect(largest).toBeLessThan(JSON.stringify(ann.data.playerList).length);

  const hal = meeting[7]!;
  hal.tap('leave');
  expect(hal.data.status).toBe('left');
  for (const me of meeting.slice(0, 7)) {
    await eventually(
      () => !me.playerIds().includes('hal_main') && me.playerIds().length === 6 && !me.playing().includes('hal_main'),
      () => `${me.data.userID} still has hal: ${me.playerIds()}`,
    );
  }
  await eventually(() => hal.data.playerList.length === 0 && hal.data.pusher.url === '', () => `hal's page was not reset: ${JSON.stringify(hal.data.pusher.url)}`);
  expect(hal.mounted.pusher.state).toBe('idle');
});
