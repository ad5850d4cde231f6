// Issue 15, item 5 (second bullet): a limit refusal is final. A subscribe the server refuses for a limit, a
// permission or a credential is announced once as STREAM_FAILED (willRetry: false) and never asked for again; a
// transient refusal keeps the backoff. The websocket driver is where the server answers subscribes; with the
// trtc-room driver Tencent's backend refuses no subscription (a full room refuses the enter: ENTER_FAILED, final).

import { ErrorCode } from '../../src/core/errors';
import { TRTC } from '../../src/trtc';
import { createPage } from '../../src/testing/page';
import { installWx } from '../../src/testing/wx';
import { createRig, type Rig } from '../helpers/facade';
import { scriptedSignaling } from '../helpers/scripted-socket';
import { status, validParams } from '../helpers/status';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RETRY = { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 4 };

async function refusedSubscribe(code: number): Promise<{ failed: Array<Record<string, unknown>>; subscribes: number }> {
  const { uninstall } = installWx();
  const { signaling, sockets } = scriptedSignaling();
  const trtc = new TRTC(createPage({}), { env: 'test', signaling, retry: RETRY });
  const failed: Array<Record<string, unknown>> = [];
  trtc.on(trtc.EVENT.STREAM_FAILED, (event) => failed.push(event.data as Record<string, unknown>));
  try {
    trtc.createPusher({});
    trtc.enterRoom({ ...validParams });
    const socket = sockets[0]!;
    socket.open();
    socket.reply(socket.lastOf('join')!, {
      sessionId: 's1',
      resumeToken: 't1',
      heartbeatIntervalMs: 60_000,
      graceMs: 30_000,
      users: ['bob'],
      streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }],
    });
    await wait(5);
    socket.refuse(socket.unanswered('subscribe')[0]!, code, 'refused');
    // Longer than every backoff the policy allows (2 + 4 + 4 ms): a retry would have re-subscribed by now.
    await wait(60);
    // The server repeats its refusal as a notice, and bob turns his camera off and on: still nothing asked again.
    socket.notify(1, { type: 'stream-failed', kind: 'subscribe', userID: 'bob', streamType: 'main', code, reason: 'refused' });
    socket.notify(2, { type: 'stream-updated', userID: 'bob', streamType: 'main', audio: true, video: false });
    socket.notify(3, { type: 'stream-updated', userID: 'bob', streamType: 'main', audio: true, video: true });
    await wait(60);
    return { failed, subscribes: socket.sent.filter((r) => r.type === 'subscribe' && r.userID === 'bob').length };
  } finally {
    trtc.destroy();
    uninstall();
  }
}

describe('websocket driver: final refusals are announced once and never retried', () => {
  test.each([
    ['VISIBLE_USER_LIMIT', ErrorCode.VISIBLE_USER_LIMIT],
    ['SILENT_USER_LIMIT', ErrorCode.SILENT_USER_LIMIT],
    ['ROOM_FULL', ErrorCode.ROOM_FULL],
    ['SUBSCRIPTION_LIMIT', ErrorCode.SUBSCRIPTION_LIMIT],
    ['PUBLISH_NOT_ALLOWED', ErrorCode.PUBLISH_NOT_ALLOWED],
  ])('a subscribe refused with %s: one STREAM_FAILED (willRetry false), one subscribe', async (_name, code) => {
    const { failed, subscribes } = await refusedSubscribe(code);
    expect(failed).toEqual([{ userID: 'bob', streamType: 'main', code, reason: 'refused', willRetry: false, local: false }]);
    expect(subscribes).toBe(1);
  });

  test('a transient refusal (RATE_LIMITED) is retried with backoff', async () => {
    const { failed, subscribes } = await refusedSubscribe(ErrorCode.RATE_LIMITED);
    expect(failed[0]).toMatchObject({ code: ErrorCode.RATE_LIMITED, willRetry: true });
    expect(subscribes).toBeGreaterThan(1);
  });
});

describe('trtc-room driver: a full room is final too', () => {
  let rig: Rig;
  afterEach(() => rig?.dispose());

  test('-3301 (enter refused) is one ERROR and no re-enter of the pusher', () => {
    rig = createRig({ retry: RETRY });
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.getPusherInstance()!.start();
    rig.clear();
    rig.status(status.enterFailed());
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([-3301]);
    expect(rig.wx.callsOf('pusher', 'start')).toEqual([]);
  });
});
