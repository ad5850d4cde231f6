// `npm start` until a dev server exists: a trtc-wx style page runs a 1v2 call on the headless mini-program
// runtime, with <live-pusher>'s reports scripted, and prints every room state change and public event.

import { EVENT, type TRTCEvent } from '../src/view/events';
import type { PlayerAttributes, PusherAttributes } from '../src/core/attributes';
import { createPage, type PageInstance } from '../src/testing/page';
import { installWx } from '../src/testing/wx';
import { TRTC, type ComponentEventLike } from '../src/trtc';
import { status, type PusherStatus } from '../test/helpers/status';

const STEP_MS = 300;
const started = Date.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const stamp = () => `${String(Date.now() - started).padStart(5)} ms`;
const say = (kind: string, text: string) => console.log(`${stamp()}  ${kind.padEnd(10)} ${text}`);

/** A state value as one line: active.inRoom{connection.connected, publication.published, ...}. */
function compactState(value: unknown): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const inner = (key: string, child: unknown) => {
    const text = compactState(child);
    return text.startsWith('{') ? `${key}${text}` : `${key}.${text}`;
  };
  if (entries.length === 1) return inner(...entries[0]!);
  return `{${entries.map(([key, child]) => inner(key, child)).join(', ')}}`;
}

interface Watchable {
  getSnapshot(): { value: unknown };
  subscribe(observer: (snapshot: { value: unknown }) => void): unknown;
}

/** Print an actor's state now and each time it changes. */
function watchState(label: string, actor: Watchable): void {
  let last = '';
  const print = (snapshot: { value: unknown }) => {
    const state = compactState(snapshot.value);
    if (state !== last) say(label, (last = state));
  };
  print(actor.getSnapshot());
  actor.subscribe(print);
}

const playerSummary = (p: PlayerAttributes) => `${p.id}(video ${p.hasVideo ? (p.muteVideo ? 'muted' : 'on') : 'off'}, audio ${p.hasAudio ? (p.muteAudio ? 'muted' : 'on') : 'off'})`;

/** One line per public event: what a page author would want to see of its data. */
function eventSummary({ eventCode, data }: TRTCEvent): string {
  const d = (data ?? {}) as Record<string, unknown>;
  const parts: string[] = [eventCode];
  if (typeof d.userID === 'string') parts.push(`user=${d.userID}`);
  const target = (d.currentTarget as { id?: unknown } | undefined)?.id;
  if (typeof target === 'string' && target !== '') parts.push(`player=${target}`);
  if (typeof d.streamType === 'string') parts.push(`stream=${d.streamType}`);
  if (d.player) parts.push(`player=${playerSummary(d.player as PlayerAttributes)}`);
  if (typeof d.state === 'string') parts.push(`${String(d.prevState)} -> ${d.state}`);
  if (typeof d.code === 'number') parts.push(`code=${d.code}`);
  if (typeof d.message === 'string') parts.push(`"${d.message}"`);
  if (typeof d.reason === 'string') parts.push(`reason=${d.reason}`);
  if (Array.isArray(d.userList)) parts.push(`users=[${(d.userList as Array<{ userID: string }>).map((u) => u.userID).join(', ')}]`);
  return parts.join(' ');
}

interface PageData extends Record<string, unknown> {
  pusher: Partial<PusherAttributes>;
  playerList: PlayerAttributes[];
}

type DemoPage = PageInstance & { data: PageData; TRTC: TRTC };

// The handler methods every trtc-wx page carries, bound in WXML to <live-pusher> and <live-player>.
const componentHandlers = {
  _pusherStateChangeHandler(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.pusherEventHandler(event);
  },
  _pusherNetStatusHandler(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.pusherNetStatusHandler(event);
  },
  _pusherErrorHandler(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.pusherErrorHandler(event);
  },
  _pusherBGMStartHandler(this: DemoPage) {
    this.TRTC.pusherBGMStartHandler();
  },
  _pusherBGMProgressHandler(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.pusherBGMProgressHandler(event);
  },
  _pusherBGMCompleteHandler(this: DemoPage) {
    this.TRTC.pusherBGMCompleteHandler();
  },
  _pusherAudioVolumeNotify(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.pusherAudioVolumeNotify(event);
  },
  _playerStateChange(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.playerEventHandler(event);
  },
  _playerFullscreenChange(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.playerFullscreenChange(event);
  },
  _playerNetStatus(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.playerNetStatus(event);
  },
  _playerAudioVolumeNotify(this: DemoPage, event: ComponentEventLike) {
    this.TRTC.playerAudioVolumeNotify(event);
  },
};

/** What WeChat's <live-pusher> would report, delivered through the page as WXML's bindstatechange does. */
function pusherReports(page: DemoPage, report: PusherStatus): void {
  say('wx', `<live-pusher> reports ${report.code} ${report.message.length > 70 ? `${report.message.slice(0, 67)}...` : report.message}`);
  page.trigger('_pusherStateChangeHandler', { code: report.code, message: report.message }, { id: 'pusher' });
}

function setData(page: DemoPage, patch: Partial<PageData>, callback?: () => void): void {
  page.setData(patch, callback);
  const fields = Object.entries(patch).map(([key, value]) =>
    key === 'playerList' ? `playerList=[${(value as PlayerAttributes[]).map(playerSummary).join(', ')}]` : `${key}`,
  );
  say('setData', fields.join(' '));
}

async function main(): Promise<void> {
  const { wx, uninstall } = installWx();
  wx.onContextCall((call) => say('wx', `${call.target === 'pusher' ? 'LivePusherContext' : `LivePlayerContext(${call.target})`}.${call.method}()`));

  const page = createPage({ data: { pusher: {}, playerList: [] }, ...componentHandlers }) as unknown as DemoPage;
  page.TRTC = new TRTC(page, { logLevel: 3 });
  const trtc = page.TRTC;

  // Room state as the statechart sees it, and the states of the pusher and player actors it spawns.
  watchState('room', trtc.actor);
  const watched = new Set<unknown>();
  trtc.actor.subscribe(({ context }) => {
    if (context.pusher && !watched.has(context.pusher)) {
      watched.add(context.pusher);
      watchState('pusher', context.pusher);
    }
    for (const stream of context.streams) {
      if (watched.has(stream.ref)) continue;
      watched.add(stream.ref);
      watchState(stream.id, stream.ref);
    }
  });

  for (const code of Object.values(EVENT)) trtc.on(code, (event) => say('EVENT', eventSummary(event)));

  // What a trtc-wx page does with remote streams: play them as they arrive, keep playerList bound.
  trtc.on(EVENT.REMOTE_VIDEO_ADD, ({ data }) => {
    const { player } = data as { player: PlayerAttributes };
    setData(page, { playerList: trtc.setPlayerAttributes(player.id, { muteVideo: false }) });
  });
  trtc.on(EVENT.REMOTE_AUDIO_ADD, ({ data }) => {
    const { player } = data as { player: PlayerAttributes };
    setData(page, { playerList: trtc.setPlayerAttributes(player.id, { muteAudio: false }) });
  });
  for (const code of [EVENT.REMOTE_USER_LEAVE, EVENT.REMOTE_VIDEO_REMOVE, EVENT.REMOTE_AUDIO_REMOVE]) {
    trtc.on(code, () => setData(page, { playerList: trtc.getPlayerList() }));
  }

  say('page', 'onLoad: createPusher');
  setData(page, { pusher: trtc.createPusher({ enableCamera: true, enableMic: true }).pusherAttributes });
  await sleep(STEP_MS);

  say('page', 'enterRoom, then start() once <live-pusher> has the url');
  const pusherAttributes = trtc.enterRoom({ sdkAppID: 1400000001, userID: 'alice', userSig: 'sig-alice', roomID: 1234, enableCamera: true, enableMic: true });
  say('page', `pusher.url = ${pusherAttributes.url.slice(0, 72)}...`);
  await new Promise<void>((resolve) => setData(page, { pusher: pusherAttributes }, resolve));
  trtc.getPusherInstance()!.start();
  await sleep(STEP_MS);

  pusherReports(page, status.pushBegin());
  pusherReports(page, status.entered());
  await sleep(STEP_MS);

  pusherReports(page, status.joined('bob', 'carol'));
  await sleep(STEP_MS);
  pusherReports(page, status.video('bob', true));
  await sleep(STEP_MS);
  pusherReports(page, status.audio('bob', true));
  await sleep(STEP_MS);
  pusherReports(page, status.audio('carol', true));
  await sleep(STEP_MS);

  say('wx', '<live-player id=bob_main> reports 2004 playing');
  page.trigger('_playerStateChange', { code: 2004, message: 'playing' }, { id: 'bob_main', dataset: { streamid: 'bob_main' } });
  await sleep(STEP_MS);

  pusherReports(page, status.left('carol'));
  await sleep(STEP_MS);

  say('page', 'exitRoom');
  const { pusher, playerList } = trtc.exitRoom();
  setData(page, { pusher, playerList });
  await sleep(STEP_MS);

  const bytes = page.setDataCalls.reduce((sum, call) => sum + call.bytes, 0);
  say('page', `done: ${page.setDataCalls.length} setData calls, ${bytes} bytes to the view; room ${compactState(trtc.actor.getSnapshot().value)}`);
  trtc.destroy();
  uninstall();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
