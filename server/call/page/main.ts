// The /call page: a person picks a room and a user id, the server mints the userSig (POST /call/session, from
// this machine or with the admin key), and 'wxrtc/web' joins with camera and microphone. The room's chart
// goes to the dev server's inspector when it runs one. 'wxrtc/web' is the plain script /call/wxrtc-web.js
// (window.wxrtcWeb), loaded before this one, as a web app would load it. Built by server/call/assets.ts.

import type * as Web from '../../../src/web';
import type { DeviceKind, TRTCEvent, WebRoom } from '../../../src/web';
import { createInspector, type SocketFactory, type WxrtcInspector } from '../../../src/inspect';

const { createWebRoom, EVENT } = (window as unknown as { wxrtcWeb: typeof Web }).wxrtcWeb;

/** The inspector's socket on the browser's WebSocket (text frames only, as the relay speaks). */
const browserSocket: SocketFactory = (url) => {
  const socket = new WebSocket(url);
  return {
    send: (text) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
    },
    close: (code = 1000, reason = '') => socket.close(code, reason),
    onOpen: (listener) => socket.addEventListener('open', () => listener()),
    onMessage: (listener) => socket.addEventListener('message', (event: MessageEvent) => typeof event.data === 'string' && listener(event.data)),
    onClose: (listener) => socket.addEventListener('close', (event: CloseEvent) => listener({ code: event.code, reason: event.reason })),
    onError: (listener) => socket.addEventListener('error', () => listener(`websocket error on ${url}`)),
  };
};

/** GET /call/config: what the page needs to offer a room. */
interface CallConfig {
  sdkAppID: number;
  demo: { roomID: number; users: string[] } | null;
  inspector: boolean;
}

/** POST /call/session's answer. */
interface CallSession {
  sdkAppID: number;
  userID: string;
  userSig: string;
  expiresAt: number;
  inspectorKey: string | null;
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  status: byId<HTMLSpanElement>('status'),
  inspectorLink: byId<HTMLAnchorElement>('inspector-link'),
  form: byId<HTMLFormElement>('join-form'),
  room: byId<HTMLInputElement>('room'),
  user: byId<HTMLInputElement>('user'),
  keyBox: byId<HTMLDetailsElement>('key-box'),
  adminKey: byId<HTMLInputElement>('admin-key'),
  join: byId<HTMLButtonElement>('join'),
  controls: byId<HTMLDivElement>('controls'),
  roomTitle: byId<HTMLHeadingElement>('room-title'),
  mic: byId<HTMLButtonElement>('mic'),
  camera: byId<HTMLButtonElement>('camera'),
  videoinput: byId<HTMLSelectElement>('videoinput'),
  audioinput: byId<HTMLSelectElement>('audioinput'),
  leave: byId<HTMLButtonElement>('leave'),
  hint: byId<HTMLParagraphElement>('hint'),
  events: byId<HTMLOListElement>('events'),
  empty: byId<HTMLParagraphElement>('empty'),
  tiles: byId<HTMLDivElement>('tiles'),
};

/** Events worth a line in the page's log (net status and volume arrive every second). */
const LOGGED = [
  EVENT.LOCAL_JOIN,
  EVENT.LOCAL_LEAVE,
  EVENT.KICKED_OUT,
  EVENT.REMOTE_USER_JOIN,
  EVENT.REMOTE_USER_LEAVE,
  EVENT.STREAM_ADDED,
  EVENT.STREAM_REMOVED,
  EVENT.STREAM_FAILED,
  EVENT.UPDATE_URL,
  EVENT.MUTE_AUDIO,
  EVENT.UNMUTE_AUDIO,
  EVENT.MUTE_VIDEO,
  EVENT.UNMUTE_VIDEO,
  EVENT.CONNECTION_STATE_CHANGED,
  EVENT.ERROR,
];

let room: WebRoom | null = null;
let inspector: WxrtcInspector | null = null;
let statsTimer: ReturnType<typeof setInterval> | null = null;
const mute = { audio: false, video: false };
/** The inspector's view key, when the page was opened with the url the server printed (…/call#key=…). */
const viewKey = new URLSearchParams(location.hash.replace(/^#/, '')).get('key');

function setStatus(status: 'connecting' | 'live' | 'closed', text: string): void {
  ui.status.dataset.status = status;
  ui.status.textContent = text;
}

function hint(text: string, error = false): void {
  ui.hint.textContent = text;
  ui.hint.classList.toggle('error', error);
}

function logEvent(code: string, text: string, error = false): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${code}${text ? ` ${text}` : ''}`;
  if (error) item.className = 'error';
  ui.events.prepend(item);
  while (ui.events.children.length > 200) ui.events.lastElementChild?.remove();
}

function describe(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const d = data as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of ['userID', 'streamType', 'code', 'reason', 'message', 'state'] as const) {
    const value = d[field];
    if (typeof value === 'string' || typeof value === 'number') parts.push(String(value));
  }
  if (typeof d.local === 'boolean') parts.push(d.local ? 'local' : 'remote');
  return parts.join(' ');
}

/** A random user id the server accepts (a-z0-9, 32 bytes at most). */
function randomUser(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function loadConfig(): Promise<CallConfig> {
  const response = await fetch('/call/config', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /call/config: ${response.status}`);
  return (await response.json()) as CallConfig;
}

async function askSession(userID: string): Promise<CallSession> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (ui.adminKey.value !== '') headers['x-admin-key'] = ui.adminKey.value;
  const response = await fetch('/call/session', { method: 'POST', headers, body: JSON.stringify({ userID }) });
  const body = (await response.json().catch(() => null)) as (CallSession & { error?: { message: string } }) | null;
  if (!response.ok || body === null || typeof body.userSig !== 'string') {
    if (response.status === 401 || response.status === 403) ui.keyBox.open = true;
    throw new Error(body?.error?.message ?? `POST /call/session: ${response.status}`);
  }
  return body;
}

/** The room field: digits are a roomID (1 .. 4294967294), anything else a strRoomID. */
function roomOf(text: string): { roomId: number } | { strRoomId: string } {
  const trimmed = text.trim();
  return /^\d{1,10}$/.test(trimmed) ? { roomId: Number(trimmed) } : { strRoomId: trimmed };
}

async function join(): Promise<void> {
  const userID = ui.user.value.trim();
  const which = roomOf(ui.room.value);
  ui.join.disabled = true;
  hint('');
  setStatus('connecting', 'joining…');
  try {
    const session = await askSession(userID);
    const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    inspector = session.inspectorKey ? createInspector({ url: `${wsBase}/v1/inspect?key=${encodeURIComponent(session.inspectorKey)}`, label: `web ${userID}`, transport: browserSocket }) : null;
    mute.audio = false;
    mute.video = false;
    room = createWebRoom({
      serverUrl: `${wsBase}/v1/signaling`,
      sdkAppId: session.sdkAppID,
      userId: session.userID,
      userSig: session.userSig,
      ...which,
      video: ui.tiles,
      ...(inspector ? { inspect: inspector.inspect } : {}),
    });
    for (const code of LOGGED) room.on(code, (event: TRTCEvent) => onEvent(code, event.data));
    ui.empty.hidden = true;
    await room.enter();
    ui.form.hidden = true;
    ui.controls.hidden = false;
    ui.roomTitle.textContent = `${'roomId' in which ? `Room ${which.roomId}` : `Room "${which.strRoomId}"`} as ${userID}`;
    setStatus('live', `in the room as ${userID}`);
    // With the view key (the url npm start printed), the inspector link opens this page's own room chart.
    if (viewKey && inspector) ui.inspectorLink.href = `/inspect#key=${encodeURIComponent(viewKey)}&label=${encodeURIComponent(`web ${userID}`)}`;
    renderMute();
    await fillDevices();
    statsTimer = setInterval(showFrames, 1000);
  } catch (error) {
    hint(error instanceof Error ? error.message : String(error), true);
    setStatus('closed', 'not in a room');
    teardown();
  } finally {
    ui.join.disabled = false;
  }
}

function onEvent(code: string, data: unknown): void {
  logEvent(code, describe(data), code === EVENT.ERROR || code === EVENT.STREAM_FAILED || code === EVENT.KICKED_OUT);
  if (code === EVENT.KICKED_OUT || (code === EVENT.LOCAL_LEAVE && room !== null && !leaving)) {
    setStatus('closed', code === EVENT.KICKED_OUT ? 'removed from the room' : 'left the room');
    teardown();
  }
}

/** Each remote tile says how many frames its <video> has decoded: the call is live when they rise. */
function showFrames(): void {
  for (const tile of ui.tiles.querySelectorAll<HTMLElement>('.wxrtc-tile')) {
    const video = tile.querySelector('video');
    if (!video) continue;
    let badge = tile.querySelector<HTMLSpanElement>('.frames');
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'frames';
      tile.append(badge);
    }
    const frames = video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    badge.textContent = `${video.videoWidth}x${video.videoHeight} · ${frames} frames`;
  }
}

function renderMute(): void {
  ui.mic.dataset.on = String(!mute.audio);
  ui.mic.textContent = mute.audio ? 'Unmute mic' : 'Mute mic';
  ui.camera.dataset.on = String(!mute.video);
  ui.camera.textContent = mute.video ? 'Turn camera on' : 'Turn camera off';
  // The preview of a disabled camera is black: say why, as the remote tiles do.
  ui.tiles.querySelector('.wxrtc-tile[data-stream-id="local"]')?.classList.toggle('wxrtc-video-off', mute.video);
}

async function fillDevices(): Promise<void> {
  if (!room) return;
  const devices = await room.getDevices();
  const current = room.currentDevices();
  for (const kind of ['videoinput', 'audioinput'] as const) {
    const select = kind === 'videoinput' ? ui.videoinput : ui.audioinput;
    select.replaceChildren(
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) => {
          const option = document.createElement('option');
          option.value = d.deviceId;
          option.textContent = d.label || `${kind === 'videoinput' ? 'camera' : 'microphone'} ${i + 1}`;
          option.selected = d.deviceId === current[kind];
          return option;
        }),
    );
    select.disabled = select.options.length < 2;
  }
}

async function switchTo(kind: DeviceKind, deviceId: string): Promise<void> {
  if (!room || deviceId === '') return;
  try {
    await room.switchDevice(kind, deviceId);
    logEvent('DEVICE', `${kind} ${deviceId.slice(0, 12)}`);
  } catch (error) {
    hint(error instanceof Error ? error.message : String(error), true);
  }
}

let leaving = false;

async function leave(): Promise<void> {
  if (!room) return;
  leaving = true;
  ui.leave.disabled = true;
  try {
    await Promise.race([room.exit(), new Promise((resolve) => setTimeout(resolve, 5000))]);
  } finally {
    teardown();
    leaving = false;
    ui.leave.disabled = false;
    setStatus('closed', 'left the room');
  }
}

function teardown(): void {
  if (statsTimer) clearInterval(statsTimer);
  statsTimer = null;
  const current = room;
  room = null;
  current?.destroy();
  inspector?.stop();
  inspector = null;
  ui.tiles.replaceChildren();
  ui.empty.hidden = false;
  ui.form.hidden = false;
  ui.controls.hidden = true;
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void join();
});
ui.mic.addEventListener('click', () => {
  if (!room) return;
  mute.audio = !mute.audio;
  room.muteLocal({ audio: mute.audio });
  renderMute();
});
ui.camera.addEventListener('click', () => {
  if (!room) return;
  mute.video = !mute.video;
  room.muteLocal({ video: mute.video });
  renderMute();
});
ui.videoinput.addEventListener('change', () => void switchTo('videoinput', ui.videoinput.value));
ui.audioinput.addEventListener('change', () => void switchTo('audioinput', ui.audioinput.value));
ui.leave.addEventListener('click', () => void leave());
window.addEventListener('pagehide', () => room?.destroy());

// The tests (and a curious developer's console) read the room from here.
(window as unknown as { wxrtcCall: { room(): WebRoom | null } }).wxrtcCall = { room: () => room };

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  ui.user.value = params.get('user') ?? randomUser();
  try {
    const config = await loadConfig();
    ui.room.value = params.get('room') ?? String(config.demo?.roomID ?? 1234);
    if (!config.inspector) ui.inspectorLink.hidden = true;
    else if (viewKey) ui.inspectorLink.href = `/inspect#key=${encodeURIComponent(viewKey)}`;
    if (config.demo) hint(`The demo room ${config.demo.roomID}: ${config.demo.users.join(' and ')} publish a test pattern and play whoever joins.`);
  } catch (error) {
    hint(error instanceof Error ? error.message : String(error), true);
    ui.room.value = params.get('room') ?? '1234';
  }
  setStatus('closed', 'not in a room');
}

void start();
