// The websocket storm's parts: generated server moves on a scripted socket, the scripted server with its reference
// of what it announced, and a runner for one sequence on a fresh page (under jest fake timers).

import fc from 'fast-check';
import { TRTC } from '../../src/trtc';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import type { HeadlessWx } from '../../src/testing/wx';
import { createPage } from '../../src/testing/page';
import { ErrorCode } from '../../src/core/errors';
import { ScriptedSocket, type SentRequest } from '../helpers/scripted-socket';
import { StormObserver, type AnnouncedStream } from '../helpers/storm-observer';
import { REMOTE_USERS, facadeStep, runFacadeStep, type FacadeStep } from '../helpers/storm-steps';

const RECONNECT_TIMEOUT_MS = 3_000;
const EXIT_TIMEOUT_MS = 800;
const REQUEST_TIMEOUT_MS = 2_000;
const HEARTBEAT_MS = 1_000;

type StreamType = 'main' | 'aux';
interface WireStream {
  userID: string;
  streamType: StreamType;
  audio: boolean;
  video: boolean;
}
interface Snapshot {
  users: string[];
  streams: WireStream[];
}

type SeqMode = 'next' | 'duplicate' | 'old' | 'gap';
type NotificationStep =
  | { type: 'user-joined' | 'user-left'; userID: string }
  | ({ type: 'stream-added' | 'stream-updated' } & WireStream)
  | { type: 'stream-removed'; userID: string; streamType: StreamType }
  | { type: 'url-updated'; kind: 'publish' | 'subscribe'; userID: string; streamType: StreamType }
  | { type: 'stream-failed'; kind: 'publish' | 'subscribe'; userID: string; streamType: StreamType }
  | { type: 'unpublished' }
  | { type: 'visibility-changed'; visible: boolean }
  | { type: 'kicked'; reason: 'kick' | 'banned' | 'room-disband' }
  | { type: 'warning' };

export type ServerStep =
  | { kind: 'open' }
  | { kind: 'answer'; ok: boolean; snapshot: Snapshot }
  | { kind: 'notify'; seq: SeqMode; body: NotificationStep }
  | { kind: 'malformed'; frame: string | 'missing-fields' }
  | { kind: 'drop' }
  | { kind: 'tick'; ms: number };
export type WebSocketStep = FacadeStep | ServerStep;

const user = fc.constantFrom(...REMOTE_USERS);
const streamType = fc.constantFrom<StreamType>('main', 'aux');
const wireStream = fc.record({ userID: user, streamType, audio: fc.boolean(), video: fc.boolean() });

const snapshot: fc.Arbitrary<Snapshot> = fc
  .record({ users: fc.subarray([...REMOTE_USERS]), streams: fc.array(wireStream, { maxLength: 3 }) })
  .map(({ users, streams }) => {
    // A server's snapshot is consistent: one record per stream, each of a listed user.
    const seen = new Set<string>();
    return {
      users,
      streams: streams.filter((s) => users.includes(s.userID) && !seen.has(`${s.userID}_${s.streamType}`) && seen.add(`${s.userID}_${s.streamType}`) !== undefined),
    };
  });

const notification: fc.Arbitrary<NotificationStep> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constantFrom('user-joined' as const, 'user-left' as const), userID: user }) },
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('stream-added' as const, 'stream-updated' as const), wireStream).map(([type, s]) => ({ type, ...s })) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('stream-removed' as const), userID: user, streamType }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('url-updated' as const), kind: fc.constantFrom('publish' as const, 'subscribe' as const), userID: user, streamType }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('stream-failed' as const), kind: fc.constantFrom('publish' as const, 'subscribe' as const), userID: user, streamType }) },
  { weight: 1, arbitrary: fc.constant({ type: 'unpublished' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((visible) => ({ type: 'visibility-changed' as const, visible })) },
  { weight: 1, arbitrary: fc.constantFrom('kick' as const, 'banned' as const, 'room-disband' as const).map((reason) => ({ type: 'kicked' as const, reason })) },
  { weight: 1, arbitrary: fc.constant({ type: 'warning' as const }) },
);

const serverStep: fc.Arbitrary<ServerStep> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 16, arbitrary: fc.record({ ok: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), snapshot }).map((r) => ({ kind: 'answer' as const, ...r })) },
  {
    weight: 22,
    arbitrary: fc
      .record({ seq: fc.oneof({ weight: 8, arbitrary: fc.constant<SeqMode>('next') }, { weight: 1, arbitrary: fc.constantFrom<SeqMode>('duplicate', 'old', 'gap') }), body: notification })
      .map((r) => ({ kind: 'notify' as const, ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<string>(
        'missing-fields',
        'missing-fields',
        'missing-fields',
        'not json',
        '{}',
        '[]',
        'null',
        JSON.stringify({ v: 2, seq: 1, type: 'user-joined', userID: 'bob' }),
        JSON.stringify({ v: 1, type: 'response', id: 987654, ok: true, result: {} }),
        JSON.stringify({ v: 1, type: 'response', id: 'x', ok: true }),
        JSON.stringify({ v: 1, seq: 'one', type: 'user-joined', userID: 'bob' }),
        JSON.stringify({ v: 1, type: 'user-joined', userID: 'bob' }),
      )
      .map((frame) => ({ kind: 'malformed' as const, frame })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 3, arbitrary: fc.oneof({ weight: 6, arbitrary: fc.constant(5) }, { weight: 1, arbitrary: fc.constantFrom(HEARTBEAT_MS * 3 + 10, RECONNECT_TIMEOUT_MS) }).map((ms) => ({ kind: 'tick' as const, ms })) },
);

export const websocketStep: fc.Arbitrary<WebSocketStep> = fc.oneof({ weight: 35, arbitrary: facadeStep }, { weight: 65, arbitrary: serverStep });

/** Most runs start in a room (entered, socket open, join answered with a snapshot); the rest start cold. */
export const websocketSteps: fc.Arbitrary<WebSocketStep[]> = fc
  .tuple(
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<WebSocketStep[]>([]) },
      { weight: 3, arbitrary: snapshot.map((s): WebSocketStep[] => [{ kind: 'enterRoom', variant: 0 }, { kind: 'open' }, { kind: 'answer', ok: true, snapshot: s }]) },
    ),
    fc.array(websocketStep, { minLength: 1, maxLength: 150, size: 'max' }),
  )
  .map(([prefix, steps]) => [...prefix, ...steps]);

/** Notifications missing the fields their type needs (a buggy or hostile server). */
const MISSING_FIELDS = ['user-joined', 'user-left', 'stream-added', 'stream-updated', 'stream-removed', 'url-updated', 'stream-failed'];

/** Let promise continuations (request answers) run; timers stay frozen until a tick step. */
async function flush(): Promise<void> {
  for (let i = 0; i < 12; i++) await Promise.resolve();
}

const flowing = (s: WireStream) => ({ userID: s.userID, streamType: s.streamType, audio: s.audio, video: s.video });

/**
 * The scripted server and the reference of what it announced. The view follows what the server tells the joined
 * session (a snapshot at join and resume, then notifications past the session's last seq); it counts while the
 * room is in it (entering drops news, a left room is empty).
 */
class ScriptedServer {
  readonly sockets: ScriptedSocket[] = [];
  private joined = new WeakSet<ScriptedSocket>();
  private serverSeq = 0;
  private lastSeq = 0;
  /** The seq of the last well-formed notification: duplicates and replays reuse seqs at or below it. */
  private lastValidSeq = 0;
  /** The socket of the live session; while it is cut, the server keeps notifying the session into `away`. */
  private sessionSocket: ScriptedSocket | null = null;
  private away: Array<Record<string, unknown> & { seq: number }> = [];
  users: string[] = [];
  readonly streams = new Map<string, AnnouncedStream>();
  steps = { answers: 0, notifications: 0, malformed: 0, drops: 0 };

  connect = (): ScriptedSocket => {
    const socket = new ScriptedSocket(this.sockets.length);
    this.sockets.push(socket);
    return socket;
  };

  get current(): ScriptedSocket | undefined {
    return this.sockets[this.sockets.length - 1];
  }

  clearView(): void {
    this.users = [];
    this.streams.clear();
  }

  private setView(s: Snapshot): void {
    this.users = [...s.users];
    this.streams.clear();
    for (const x of s.streams) this.streams.set(`${x.userID}_${x.streamType}`, { ...x });
  }

  private oldest(socket: ScriptedSocket): SentRequest | undefined {
    return socket.unanswered()[0];
  }

  /** Answer the oldest request waiting on the current socket. */
  answer(ok: boolean, view: Snapshot, roomInRoom: () => boolean): (() => void) | null {
    const socket = this.current;
    if (!socket?.live || !socket.opened) return null;
    const request = this.oldest(socket);
    if (!request) return null;
    this.steps.answers += 1;
    if (!ok) {
      const code =
        request.type === 'join' ? ErrorCode.USER_SIG_INVALID
        : request.type === 'resume' ? ErrorCode.RESUME_REJECTED
        : request.type === 'publish' ? ErrorCode.PUBLISH_NOT_ALLOWED
        : request.type === 'subscribe' ? ErrorCode.SUBSCRIPTION_LIMIT
        : ErrorCode.REQUEST_OUT_OF_STATE;
      socket.refuse(request, code, `refused ${request.type}`);
      return null;
    }
    const url = (kind: string, who: string) => `rtmp://media.test/live/${kind}-${who}-${socket.index}-${request.id}`;
    switch (request.type) {
      case 'join':
        this.serverSeq = 0;
        this.lastSeq = 0;
        this.lastValidSeq = 0;
        this.joined.add(socket);
        this.sessionSocket = socket;
        this.away = [];
        socket.reply(request, { sessionId: 's', resumeToken: `token-${socket.index}`, heartbeatIntervalMs: HEARTBEAT_MS, graceMs: 30_000, users: view.users, streams: view.streams.map(flowing) });
        // The join result reaches the room only if it entered (the page may have left meanwhile).
        return () => {
          if (roomInRoom()) this.setView(view);
        };
      case 'resume': {
        this.joined.add(socket);
        this.sessionSocket = socket;
        // What the session missed while away, after the seq it says it saw (a real server's snapshot would agree
        // with them; a generated one need not, and the snapshot is what counts).
        const missed = this.away.filter((n) => n.seq > Number(request.lastSeq));
        this.away = [];
        for (const n of missed) this.lastSeq = Math.max(this.lastSeq, n.seq);
        socket.reply(request, { sessionId: 's', resumeToken: `token-r${socket.index}`, publishUrl: url('push', 'alice'), subscriptions: [], missed, users: view.users, streams: view.streams.map(flowing) });
        return () => {
          if (roomInRoom()) this.setView(view);
        };
      }
      case 'publish':
        socket.reply(request, { url: url('push', 'alice'), expiresAt: 0 });
        return null;
      case 'subscribe':
        socket.reply(request, { url: url('pull', String(request.userID)), expiresAt: 0 });
        return null;
      case 'set-visibility':
        socket.reply(request, { visible: request.visible });
        return null;
      case 'mute':
        socket.reply(request, { audio: !request.audio, video: !request.video });
        return null;
      case 'ping':
        socket.reply(request, { now: Date.now() });
        return null;
      default:
        socket.reply(request, {});
        return null;
    }
  }

  /** Push a notification to a joined session; the reference applies it when the session would process it. */
  notify(mode: SeqMode, body: NotificationStep, roomInRoom: boolean): void {
    const socket = this.current;
    const session = this.sessionSocket;
    if (session && !session.live && mode === 'next' && body.type !== 'kicked') {
      // The session's socket is cut: the server numbers and keeps the news for a resume.
      this.steps.notifications += 1;
      const seq = ++this.serverSeq;
      this.lastValidSeq = seq;
      this.away.push({ ...this.wire(body, seq), v: 1, seq });
      return;
    }
    if (!socket?.live || !this.joined.has(socket)) return;
    this.steps.notifications += 1;
    const seq =
      mode === 'next' ? ++this.serverSeq
      : mode === 'gap' ? (this.serverSeq += 2)
      : mode === 'duplicate' ? Math.max(1, this.lastValidSeq)
      : Math.max(1, this.lastValidSeq - 2);
    if (mode === 'next' || mode === 'gap') this.lastValidSeq = seq;
    socket.notify(seq, this.wire(body, seq));
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    if (!roomInRoom) return;
    switch (body.type) {
      case 'user-joined':
        if (!this.users.includes(body.userID)) this.users.push(body.userID);
        break;
      case 'user-left':
        this.users = this.users.filter((u) => u !== body.userID);
        for (const [id, s] of this.streams) if (s.userID === body.userID) this.streams.delete(id);
        break;
      case 'stream-added':
      case 'stream-updated':
        // A stream proves its user is in the room; a published stream stays listed while muted (MUTE_* events).
        if (!this.users.includes(body.userID)) this.users.push(body.userID);
        this.streams.set(`${body.userID}_${body.streamType}`, flowing(body));
        break;
      case 'stream-removed':
        // Removing a stream never announces its user.
        this.streams.delete(`${body.userID}_${body.streamType}`);
        break;
      case 'kicked':
        this.clearView();
        break;
      default:
        break;
    }
  }

  /** A generated notification as the server sends it, with the fields its type carries. */
  private wire(body: NotificationStep, seq: number): Record<string, unknown> {
    const wire: Record<string, unknown> = { ...body };
    if (body.type === 'url-updated') wire.url = `rtmp://media.test/live/updated-${seq}`;
    if (body.type === 'stream-failed') Object.assign(wire, { code: ErrorCode.STREAM_NOT_FOUND, reason: 'media lost' });
    if (body.type === 'unpublished') Object.assign(wire, { streamType: 'main', reason: 'admin' });
    if (body.type === 'warning') Object.assign(wire, { code: ErrorCode.SUBSCRIPTION_WARNING, message: 'sixth subscription' });
    if (body.type === 'user-left') wire.reason = 'leave';
    return wire;
  }

  /** A frame that is not a valid notification; one with a readable seq still uses that seq up. */
  malformed(frame: string): void {
    const socket = this.current;
    if (!socket?.live || !socket.opened) return;
    this.steps.malformed += 1;
    if (frame === 'missing-fields') {
      // Only a joined session has seqs to use.
      if (!this.joined.has(socket)) return;
      // A readable seq with a body that is not: it must be dropped (MALFORMED_NOTIFICATION) and change nothing.
      // Later notifications use seqs above it, duplicates seqs at or below the last good one, so whether the
      // session counts its seq or not, the reference holds.
      const seq = ++this.serverSeq;
      socket.raw(JSON.stringify({ v: 1, seq, type: MISSING_FIELDS[seq % MISSING_FIELDS.length] }));
      if (seq > this.lastSeq) this.lastSeq = seq;
      return;
    }
    socket.raw(frame);
  }

  drop(): void {
    const socket = this.current;
    if (!socket?.live) return;
    this.steps.drops += 1;
    socket.drop();
  }

  open(): void {
    const socket = this.current;
    if (socket?.live && !socket.opened) socket.open();
  }
}

export interface WsTotals {
  runs: number;
  steps: number;
  inRoomSteps: number;
  sockets: number;
  answers: number;
  notifications: number;
  malformed: number;
  drops: number;
}

/** Run one generated sequence on a fresh page with a scripted server; returns the violations. Needs jest fake timers. */
export async function runWebSocketStorm(wx: HeadlessWx, steps: readonly WebSocketStep[], totals?: WsTotals): Promise<string[]> {
  wx.calls.length = 0;
  const server = new ScriptedServer();
  const page = createPage({ data: { pusher: {}, playerList: [] } });
  const signaling = createWebSocketSignaling({
    url: 'ws://storm.test/v1/signaling',
    connect: server.connect,
    platform: 'android',
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    reconnectBaseDelayMs: 1,
    reconnectMaxDelayMs: 4,
    connectAttempts: 3,
  });
  // Manual pull: the storm's steps unmute players themselves and its oracle follows what they asked for.
  const trtc = new TRTC(page, { env: 'test', pull: 'manual', signaling, reconnectTimeoutMs: RECONNECT_TIMEOUT_MS, exitTimeoutMs: EXIT_TIMEOUT_MS, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const observer = new StormObserver(trtc, wx);
  const roomInRoom = () => trtc.actor.getSnapshot().matches({ active: 'inRoom' });
  /** The page called exitRoom since the room last entered: an `exiting` room is then the page's own doing. */
  let pageExited = false;
  let executed = 0;
  try {
    for (const [i, step] of steps.entries()) {
      if (observer.violations.length > 0) break;
      const label = `step ${i + 1}/${steps.length} ${JSON.stringify(step)}`;
      observer.beforeStep(label, step.kind === 'enterRoom' ? 'enter' : step.kind === 'exitRoom' ? 'exit' : 'other');
      const enterQueued = trtc.actor.getSnapshot().context.pendingEnter !== null;
      if (step.kind === 'exitRoom') pageExited = true;
      if (step.kind === 'enterRoom') pageExited = false;
      let threw: unknown;
      try {
        switch (step.kind) {
          case 'open':
            server.open();
            break;
          case 'answer': {
            const after = server.answer(step.ok, step.snapshot, roomInRoom);
            await flush();
            after?.();
            break;
          }
          case 'notify':
            server.notify(step.seq, step.body, roomInRoom());
            break;
          case 'malformed':
            server.malformed(step.frame);
            break;
          case 'drop':
            server.drop();
            break;
          case 'tick':
            await jest.advanceTimersByTimeAsync(step.ms);
            break;
          default:
            runFacadeStep(trtc, wx, step);
        }
        await flush();
      } catch (error) {
        threw = error;
      }
      const inRoom = roomInRoom();
      if (!inRoom) server.clearView();
      const exitingOnItsOwn = trtc.actor.getSnapshot().matches({ active: 'exiting' }) && !pageExited;
      observer.afterStep({ inRoom, users: server.users, streams: server.streams, pageInRoom: inRoom || (exitingOnItsOwn && observer.inRoomByEvents), enterQueued }, threw);
      executed += 1;

      if (totals && inRoom) totals.inRoomSteps += 1;
    }
  } finally {
    trtc.destroy();
    await flush();
  }
  if (totals) {
    totals.runs += 1;
    totals.steps += executed;
    totals.sockets += server.sockets.length;
    totals.answers += server.steps.answers;
    totals.notifications += server.steps.notifications;
    totals.malformed += server.steps.malformed;
    totals.drops += server.steps.drops;
  }
  return observer.violations;
}
