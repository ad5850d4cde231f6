// The example's live room (example/miniprogram/pages/live) end to end against the dev server: an anchor goes
// on air, three invisible audience members (setUserVisibility(false), role audience, scene live) join and
// play the anchor, the anchor is never told about them, and a co-anchor is seen by everyone.

import { startDevServer, type DevServer } from '../../server';
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

function open(userID: string, role: 'anchor' | 'audience'): ExamplePage {
  const page = new ExamplePage(runtime, 'live');
  pages.push(page);
  return page.load({ driver: 'websocket', signalingUrl: server.wsUrl, sdkAppID: String(server.sdkAppID), userID, userSig: server.genUserSig(userID), roomID: '6301', role });
}

const viewers = ['viewer1', 'viewer2', 'viewer3'];

test('the audience page keeps a <live-pusher> bound (it carries the room with the trtc-room driver)', () => {
  const bindings = bindingsFromWxml(readWxml('live'));
  expect(bindings.pusher.dataPath).toBe('pusher');
  expect(bindings.players).toMatchObject({ listPath: 'playerList', idField: 'id' });
});

test('an anchor on air, three invisible viewers playing it, a co-anchor; the anchors never hear of the audience', async () => {
  const anchor = open('anchor', 'anchor');
  await eventually(() => anchor.data.status === 'on air' && anchor.mounted.pusher.reported.includes(1002), () => `anchor not on air: ${anchor.data.status} ${anchor.data.error}`);

  const audience = viewers.map((userID) => open(userID, 'audience'));
  for (const viewer of audience) {
    await eventually(
      () => viewer.data.status === 'watching' && viewer.playing().includes('anchor_main'),
      () => `${viewer.data.userID}: status ${viewer.data.status}, playing ${viewer.playing()}, error ${viewer.data.error}`,
    );
    expect(viewer.data.anchors).toEqual(['anchor']);
    // Invisible and silent: the page never publishes (no url, the emulated tag never pushed).
    expect(viewer.trtc.actor.getSnapshot().matches({ active: { inRoom: { visibility: 'invisible' } } })).toBe(true);
    expect(viewer.data.pusher.url).toBe('');
    expect(viewer.mounted.pusher.state).toBe('idle');
    expect(viewer.data.error).toBe('');
  }

  // A second anchor: the first is told, every viewer sees and plays both.
  const cohost = open('cohost', 'anchor');
  await eventually(() => anchor.data.anchors.includes('cohost') && anchor.playing().includes('cohost_main'), () => `the anchor did not see the co-anchor: ${anchor.data.anchors}`);
  for (const viewer of audience) {
    await eventually(() => viewer.playing().join() === 'anchor_main,cohost_main', () => `${viewer.data.userID} plays ${viewer.playing()}`);
  }
  await eventually(() => cohost.data.anchors.join() === 'anchor', () => `the co-anchor sees ${cohost.data.anchors}`);

  // One viewer leaves; nobody on stage is told of that either.
  audience[0]!.tap('leave');
  expect(audience[0]!.data.status).toBe('left');
  await new Promise((resolve) => setTimeout(resolve, 100));

  for (const onStage of [anchor, cohost]) {
    expect(onStage.data.anchors.some((userID: string) => viewers.includes(userID))).toBe(false);
    expect(onStage.saw('REMOTE_USER_JOIN', (d) => viewers.includes(d.userID))).toBe(false);
    expect(onStage.saw('REMOTE_USER_LEAVE', (d) => viewers.includes(d.userID))).toBe(false);
    expect(onStage.trtc.actor.getSnapshot().context.users.some((userID) => viewers.includes(userID))).toBe(false);
  }
});
