// The example's 1v1 call page (example/miniprogram/pages/call) end to end against the dev server: two
// instances of the page join, see and play each other, one hangs up — with each signaling driver.

import { startDevServer, type DevServer } from '../../server';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { ExamplePage, bindingsFromWxml, eventually, readWxml } from './harness';

let server: DevServer;
let runtime: HeadlessRuntime;
let pages: ExamplePage[] = [];

beforeAll(async () => {
  server = await startDevServer({ port: 0, inspector: false });
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  // signalingUrl: a room:// <live-pusher> (trtc-room driver) enters its room through the dev server.
  runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
});

afterEach(async () => {
  for (const page of pages) page.unload();
  pages = [];
  await runtime.close();
});

function open(userID: string, roomID: number, driver: 'websocket' | 'trtc-room'): ExamplePage {
  const page = new ExamplePage(runtime, 'call');
  pages.push(page);
  // The query the index page (or a DevTools compile mode) would open the page with.
  return page.load({ driver, signalingUrl: server.wsUrl, sdkAppID: String(server.sdkAppID), userID, userSig: server.genUserSig(userID), roomID: String(roomID) });
}

test("the WXML binds trtc-wx's handlers and the data the page sets", () => {
  const bindings = bindingsFromWxml(readWxml('call'));
  expect(bindings.pusher.dataPath).toBe('pusher');
  expect(bindings.players).toMatchObject({ listPath: 'playerList', idField: 'id' });
  expect(Object.keys(bindings.pusher.handlers).sort()).toEqual(['audiovolumenotify', 'bgmcomplete', 'bgmprogress', 'bgmstart', 'error', 'netstatus', 'statechange']);
  expect(Object.keys(bindings.players.handlers).sort()).toEqual(['audiovolumenotify', 'fullscreenchange', 'netstatus', 'statechange']);
});

/** The call's two pages, each playing the other with both tracks unmuted in the SDK. */
async function connect(driver: 'websocket' | 'trtc-room', roomID: number): Promise<[ExamplePage, ExamplePage]> {
  // Both open the call at once: a stream notification may beat the join answer, and must still not be lost.
  const alice = open('alice', roomID, driver);
  const bob = open('bob', roomID, driver);
  for (const [me, other] of [[alice, bob], [bob, alice]] as const) {
    const id = `${other.data.userID}_main`;
    const item = () => (me.data.playerList as Array<Record<string, unknown>>).find((p) => p.id === id);
    const inSdk = () => me.trtc.getPlayerList().find((p) => p.id === id);
    // Video and audio are announced separately; the page unmutes each as it arrives.
    await eventually(
      () => me.playing().includes(id) && item()?.muteVideo === false && inSdk()?.muteAudio === false && me.data.status === 'in call',
      () => `${me.data.userID} never played ${id}: item ${JSON.stringify(item())}, playing ${me.playing()}, status ${me.data.status}, error ${me.data.error}, events ${me.events.map((e) => e.code)}, reported ${me.mounted.pusher.reported}, other reported ${other.mounted.pusher.reported}, other events ${other.events.map((e) => e.code)}`,
    );
    // <live-player data-streamid> carries the player id, which the SDK routes player events by.
    expect(item()![me.bindings.streamIdField]).toBe(id);
    expect(me.mounted.pusher.state).toBe('pushing');
    expect(me.data.error).toBe('');
  }
  return [alice, bob];
}

describe.each(['websocket', 'trtc-room'] as const)('1v1 call with the %s driver', (driver) => {
  test('both join, see and play each other; one hangs up and the other is told', async () => {
    const [alice, bob] = await connect(driver, driver === 'websocket' ? 5101 : 5102);
    if (driver === 'trtc-room') expect(alice.data.pusher.url).toMatch(/^room:\/\//);
    else expect(alice.data.pusher.url).toMatch(/^rtmp:\/\//);

    // The mic button flips what <live-pusher enable-mic> reads.
    alice.tap('toggleMic');
    expect(alice.data.pusher.enableMic).toBe(false);
    alice.tap('toggleMic');
    expect(alice.data.pusher.enableMic).toBe(true);

    bob.tap('hangUp');
    expect(bob.data.status).toBe('hung up');
    expect(bob.data.pusher.url).toBe('');
    expect(bob.data.playerList).toEqual([]);
    await eventually(
      () => alice.data.status === 'the other side hung up' && alice.playerIds().length === 0,
      () => `alice was not told: status ${alice.data.status}, list ${alice.playerIds()}`,
    );
    expect(alice.playing()).toEqual([]);
    expect(bob.mounted.pusher.state).toBe('idle');
  });
});

test("websocket: the page's playerList is the SDK's (both tracks unmuted)", async () => {
  const [alice, bob] = await connect('websocket', 5103);
  for (const [me, other] of [[alice, bob], [bob, alice]] as const) {
    const id = `${other.data.userID}_main`;
    expect((me.data.playerList as Array<Record<string, unknown>>).find((p) => p.id === id)).toMatchObject({ muteVideo: false, muteAudio: false });
  }
});

// Handlers run once the room is idle, so setPlayerAttributes inside REMOTE_VIDEO_ADD / REMOTE_AUDIO_ADD
// (trtc-wx's documented pattern) returns the list with the change: with trtc-room nothing else would rebind it.
test("trtc-room: the page's playerList is the SDK's (both tracks unmuted)", async () => {
  const [alice, bob] = await connect('trtc-room', 5104);
  for (const [me, other] of [[alice, bob], [bob, alice]] as const) {
    const id = `${other.data.userID}_main`;
    expect((me.data.playerList as Array<Record<string, unknown>>).find((p) => p.id === id)).toMatchObject({ muteVideo: false, muteAudio: false });
  }
});
