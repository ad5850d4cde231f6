// Which remote media a page gets without asking. trtc-wx 1.1.6+ pulls audio and video by default (its
// changeLog: "调整拉流默认值为默认拉取音视频"), and trtc-cloud-wx's startRemoteView never unmutes audio, so
// `new TRTC(page)` pulls everything; `pull: 'manual'` keeps the API document's "not pulled until you subscribe".

import { ErrorCode } from '../../src/core/errors';
import { TRTC } from '../../src/trtc';
import { createPage } from '../../src/testing/page';
import { installWx } from '../../src/testing/wx';
import { createRig, type Rig } from '../helpers/facade';
import { scriptedSignaling } from '../helpers/scripted-socket';
import { status, validParams } from '../helpers/status';

let rig: Rig;
afterEach(() => rig?.dispose());

const flags = (r: Rig) => r.trtc.getPlayerList().map((p) => `${p.id} muteVideo=${p.muteVideo} muteAudio=${p.muteAudio}`);

describe('the pull default', () => {
  test('new TRTC(page): every announced player starts with audio and video unmuted, as trtc-wx 1.1.15', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob', 'carol'), status.video('bob', true), status.audio('bob', true), status.audio('carol', true));
    expect(flags(rig)).toEqual(['bob_main muteVideo=false muteAudio=false', 'carol_main muteVideo=false muteAudio=false']);
  });

  test('an audio-only participant is not shown as a paused video (muteVideo stays false; hasVideo says no camera)', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('carol'), status.audio('carol', true));
    const carol = rig.of('REMOTE_AUDIO_ADD')[0]!.data.player;
    expect(carol).toMatchObject({ hasVideo: false, hasAudio: true, muteVideo: false, muteAudio: false });
  });

  test('a republished stream is heard again without the page unmuting it', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.audio('bob', true), status.audio('bob', false), status.audio('bob', true));
    expect(rig.of('REMOTE_AUDIO_ADD').map((e) => e.data.player.muteAudio)).toEqual([false, false]);
  });

  test("pull: 'manual' keeps the API document's table: muted until the page unmutes", () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true));
    expect(flags(rig)).toEqual(['bob_main muteVideo=true muteAudio=true']);
    rig.trtc.setPlayerAttributes('bob_main', { muteAudio: false });
    expect(flags(rig)).toEqual(['bob_main muteVideo=true muteAudio=false']);
  });

  test('enterRoom autoSubscribe overrides the pull mode for one room', () => {
    rig = createRig();
    rig.join({ autoSubscribe: false });
    rig.status(status.joined('bob'), status.audio('bob', true));
    expect(flags(rig)).toEqual(['bob_main muteVideo=true muteAudio=true']);
  });
});

describe('auto-pull with the websocket driver respects the 8-subscription limit', () => {
  test('the 9th stream is announced once as STREAM_FAILED (SUBSCRIPTION_LIMIT, willRetry false) and never asked for again', async () => {
    const { uninstall } = installWx();
    const { signaling, sockets } = scriptedSignaling();
    const trtc = new TRTC(createPage({}), { env: 'test', signaling, retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 4 } });
    const failed: Array<Record<string, unknown>> = [];
    trtc.on(trtc.EVENT.STREAM_FAILED, (event) => failed.push(event.data as Record<string, unknown>));
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      trtc.createPusher({});
      trtc.enterRoom({ ...validParams });
      const socket = sockets[0]!;
      socket.open();
      const users = Array.from({ length: 9 }, (_, i) => `u${i}`);
      socket.reply(socket.lastOf('join')!, {
        sessionId: 's1',
        resumeToken: 't1',
        heartbeatIntervalMs: 60_000,
        graceMs: 30_000,
        users,
        streams: users.map((userID) => ({ userID, streamType: 'main', audio: true, video: true })),
      });
      await wait(5);
      const subscribes = socket.unanswered('subscribe');
      expect(subscribes.map((r) => r.userID)).toEqual(users);
      subscribes.slice(0, 8).forEach((r, i) => socket.reply(r, { url: `rtmp://media/live/${String(r.userID)}?sign=${i}`, expiresAt: 0 }));
      socket.refuse(subscribes[8]!, ErrorCode.SUBSCRIPTION_LIMIT, 'already subscribed to 8 streams');
      // Longer than every backoff the policy allows: a retry would have re-subscribed by now.
      await wait(60);
      expect(failed).toEqual([{ userID: 'u8', streamType: 'main', code: ErrorCode.SUBSCRIPTION_LIMIT, reason: 'already subscribed to 8 streams', willRetry: false, local: false }]);
      expect(socket.sent.filter((r) => r.type === 'subscribe' && r.userID === 'u8')).toHaveLength(1);
    } finally {
      trtc.destroy();
      uninstall();
    }
  });
});
