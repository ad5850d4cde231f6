// A page that keeps its <live-player> mounted (a fixed tag for the other party, as 1v1 call pages do) rather
// than re-rendering the playerList: when the stream goes away we stop that player, so when it comes back we
// must play it again, or the tag stays black and silent.

import { TRTC } from '../../src/trtc';
import { createPage } from '../../src/testing/page';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { createRig, type Rig } from '../helpers/facade';
import { pusherEvent, status, validParams } from '../helpers/status';

let rig: Rig;
afterEach(() => rig?.dispose());

const methods = (r: Rig, id: string) => r.wx.callsOf(id).map((c) => c.method);

describe('a player stopped because its stream went away is played again when the stream returns', () => {
  test('the stream is unpublished and published again', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true));
    rig.status(status.video('bob', false), status.audio('bob', false));
    expect(methods(rig, 'bob_main')).toEqual(['stop']);
    rig.status(status.video('bob', true));
    expect(methods(rig, 'bob_main')).toEqual(['stop', 'play']);
  });

  test('the user leaves and comes back', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.audio('bob', true), status.left('bob'));
    expect(methods(rig, 'bob_main')).toEqual(['stop']);
    rig.status(status.joined('bob'), status.audio('bob', true));
    expect(methods(rig, 'bob_main')).toEqual(['stop', 'play']);
  });

  test('a stream we never stopped is not played by us (the tag autoplays it)', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    expect(methods(rig, 'bob_main')).toEqual([]);
  });

  test('after exitRoom nothing is resumed: a new room starts afresh', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.trtc.exitRoom();
    expect(methods(rig, 'bob_main')).toEqual(['stop']);
    rig.trtc.enterRoom(validParams);
    rig.status(status.entered(), status.joined('bob'), status.video('bob', true));
    expect(methods(rig, 'bob_main')).toEqual(['stop']);
  });

  test('on the headless runtime, a page that keeps its <live-player> mounted plays again', async () => {
    const runtime = new HeadlessRuntime().install();
    try {
      // The page renders one fixed tag for bob and never re-renders the list on REMOTE_* events.
      const page = createPage({
        data: { pusher: {}, playerList: [{ id: 'bob_main', src: 'rtmp://media.test/live/bob', autoplay: true, muteVideo: false, muteAudio: false }] },
      });
      const mounted = runtime.mount(page);
      const trtc = new TRTC(page, { env: 'test' });
      trtc.createPusher({});
      trtc.enterRoom(validParams);
      const pushStatus = (s: Parameters<typeof pusherEvent>[0]) => trtc.pusherEventHandler(pusherEvent(s));
      pushStatus(status.entered());
      pushStatus(status.joined('bob'));
      pushStatus(status.video('bob', true));
      const player = mounted.player('bob_main')!;
      expect(player.playing).toBe(true);
      pushStatus(status.video('bob', false));
      expect(player.playing).toBe(false);
      pushStatus(status.video('bob', true));
      expect(player.playing).toBe(true);
      trtc.destroy();
    } finally {
      await runtime.close();
    }
  });
});
