// The driver contract for page calls: a command with a callId is answered exactly once, CALL_CONFIRMED or
// CALL_REFUSED with a code; a command without one gets neither. Each driver hosted by a bare parent actor, so
// what is checked is the driver alone, not the room.

import { createActor, sendTo, setup, type AnyEventObject } from 'xstate';
import { ErrorCode } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { checkEnterParams, type RoomParams } from '../../src/core/enter-params';
import { trtcRoomSignaling } from '../../src/services/signaling/trtc-room';
import type { SignalingCommand, SignalingInput, SignalingLogic } from '../../src/services/signaling/types';
import { installWx } from '../../src/testing/wx';
import { scriptedSignaling, type ScriptedSocket } from '../helpers/scripted-socket';
import { validParams } from '../helpers/status';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const params = (checkEnterParams(validParams) as { ok: true; params: RoomParams }).params;
const input: SignalingInput = { params, visible: true, businessId: null, localMute: { audio: false, video: false } };

/** The driver under a parent that forwards commands to it and records everything it sends back. */
function host(logic: SignalingLogic) {
  const heard: AnyEventObject[] = [];
  const parent = setup({ actors: { driver: logic } }).createMachine({
    invoke: { id: 'driver', src: 'driver', input },
    on: {
      COMMAND: { actions: sendTo('driver', ({ event }) => (event as unknown as { command: SignalingCommand }).command) },
      '*': { actions: ({ event }) => void heard.push(event) },
    },
  });
  const actor = createActor(parent).start();
  return {
    heard,
    send: (command: SignalingCommand) => actor.send({ type: 'COMMAND', command } as never),
    answers: (callId: number) => heard.filter((e) => (e.type === 'CALL_CONFIRMED' || e.type === 'CALL_REFUSED') && e.callId === callId),
    stop: () => actor.stop(),
  };
}

let uninstall: () => void;
beforeAll(() => logger.setLevel(4));
beforeEach(() => {
  uninstall = installWx().uninstall;
});
afterEach(() => uninstall());

const calls: SignalingCommand[] = [
  { type: 'MUTE_LOCAL', audio: true, video: false, callId: 1 },
  { type: 'SUBSCRIBE', userID: 'bob', streamType: 'main', audio: true, video: true, callId: 2 },
  { type: 'UNSUBSCRIBE', userID: 'bob', streamType: 'main', callId: 3 },
  { type: 'UNPUBLISH', callId: 4 },
  { type: 'SET_VISIBILITY', visible: false, callId: 5 },
];

describe('trtc-room', () => {
  test('what the tags carry is confirmed at once; unpublish and visibility are refused with 7013; each exactly once', () => {
    const d = host(trtcRoomSignaling);
    for (const call of calls) d.send(call);
    for (const callId of [1, 2, 3]) expect(d.answers(callId)).toEqual([{ type: 'CALL_CONFIRMED', callId }]);
    // The room url publishes while the pusher runs: unpublish is refused rather than pretended.
    expect(d.answers(4)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.NOT_SUPPORTED_BY_DRIVER })]);
    expect(d.answers(5)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.NOT_SUPPORTED_BY_DRIVER })]);
    d.stop();
  });

  test('without a callId nothing is answered (visibility is the SIGNALING_ERROR it was)', () => {
    const d = host(trtcRoomSignaling);
    d.send({ type: 'MUTE_LOCAL', audio: true, video: false });
    d.send({ type: 'SET_VISIBILITY', visible: false });
    expect(d.heard.filter((e) => e.type.startsWith('CALL_'))).toEqual([]);
    expect(d.heard.filter((e) => e.type === 'SIGNALING_ERROR')).toHaveLength(1);
    d.stop();
  });
});

describe('websocket', () => {
  async function joined(options: { requestTimeoutMs?: number } = {}) {
    const { signaling, sockets } = scriptedSignaling({ requestTimeoutMs: options.requestTimeoutMs ?? 5_000 });
    const d = host(signaling);
    const socket = sockets[0]!;
    socket.open();
    socket.reply(socket.lastOf('join')!, { sessionId: 's', resumeToken: 't', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: ['bob'], streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }] });
    await tick();
    return { d, socket };
  }
  const requestOf: Record<string, string> = { MUTE_LOCAL: 'mute', SUBSCRIBE: 'subscribe', UNSUBSCRIBE: 'unsubscribe', UNPUBLISH: 'unpublish', SET_VISIBILITY: 'set-visibility' };
  const resultOf: Record<string, unknown> = { mute: { audio: false, video: true }, subscribe: { url: 'rtmp://m/live/bob?s=1', expiresAt: 0 }, unsubscribe: {}, unpublish: {}, 'set-visibility': { visible: false } };

  test.each(calls.map((c) => [c.type, c] as const))('%s: the server answers ok → CALL_CONFIRMED once', async (_name, call) => {
    const { d, socket } = await joined();
    d.send(call);
    const request = socket.lastOf(requestOf[call.type]!)!;
    socket.reply(request, resultOf[request.type]);
    socket.reply(request, resultOf[request.type]);
    await tick();
    expect(d.answers((call as { callId: number }).callId)).toEqual([{ type: 'CALL_CONFIRMED', callId: (call as { callId: number }).callId }]);
    d.stop();
  });

  test.each(calls.map((c) => [c.type, c] as const))('%s: refused → CALL_REFUSED with the server code, once', async (_name, call) => {
    const { d, socket } = await joined();
    d.send(call);
    socket.refuse(socket.lastOf(requestOf[call.type]!)!, ErrorCode.RATE_LIMITED, 'slow down');
    await tick();
    expect(d.answers((call as { callId: number }).callId)).toEqual([{ type: 'CALL_REFUSED', callId: (call as { callId: number }).callId, code: ErrorCode.RATE_LIMITED, message: 'slow down' }]);
    // A refused page subscribe is not the room's stream failure: the room answers the call instead.
    expect(d.heard.filter((e) => e.type === 'REMOTE_STREAM_FAILED')).toEqual([]);
    d.stop();
  });

  test.each(calls.map((c) => [c.type, c] as const))('%s: no answer → CALL_REFUSED 7052, once', async (_name, call) => {
    const { d } = await joined({ requestTimeoutMs: 30 });
    d.send(call);
    await tick(100);
    expect(d.answers((call as { callId: number }).callId)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.SIGNALING_TIMEOUT })]);
    d.stop();
  });

  test('a malformed answer to set-visibility is a refusal (MALFORMED_ANSWER)', async () => {
    const { d, socket } = await joined();
    d.send({ type: 'SET_VISIBILITY', visible: false, callId: 7 });
    socket.reply(socket.lastOf('set-visibility')!, { visible: 'maybe' });
    await tick();
    expect(d.answers(7)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.MALFORMED_ANSWER })]);
    d.stop();
  });

  test('a play url with a scheme not accepted refuses the subscribe (URL_REFUSED)', async () => {
    const { d, socket } = await joined();
    d.send({ type: 'SUBSCRIBE', userID: 'bob', streamType: 'main', audio: true, video: true, callId: 8 });
    socket.reply(socket.lastOf('subscribe')!, { url: 'javascript:alert(1)', expiresAt: 0 });
    await tick();
    expect(d.answers(8)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.URL_REFUSED })]);
    d.stop();
  });

  test('a refusal without a readable error, or a huge message, is still one CALL_REFUSED (MALFORMED_ANSWER / cut)', async () => {
    const { d, socket } = await joined();
    d.send({ type: 'MUTE_LOCAL', audio: true, video: false, callId: 11 });
    socket.raw(JSON.stringify({ v: 1, id: socket.lastOf('mute')!.id, type: 'response', ok: false, error: { code: 'x' } }));
    d.send({ type: 'MUTE_LOCAL', audio: false, video: false, callId: 12 });
    socket.refuse(socket.lastOf('mute')!, ErrorCode.INTERNAL, 'x'.repeat(5000));
    await tick();
    expect(d.answers(11)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.MALFORMED_ANSWER })]);
    const [twelve] = d.answers(12) as unknown as Array<{ message: string }>;
    expect(twelve!.message.length).toBeLessThanOrEqual(512);
    d.stop();
  });

  test('a call while leaving is refused with 7051 at once', async () => {
    const { d } = await joined();
    d.send({ type: 'LEAVE' });
    d.send({ type: 'MUTE_LOCAL', audio: true, video: true, callId: 9 });
    await tick();
    expect(d.answers(9)).toEqual([expect.objectContaining({ type: 'CALL_REFUSED', code: ErrorCode.SIGNALING_UNAVAILABLE })]);
    d.stop();
  });

  test('a call before the join answer waits for it, then goes out', async () => {
    const { signaling, sockets } = scriptedSignaling();
    const d = host(signaling);
    const socket: ScriptedSocket = sockets[0]!;
    d.send({ type: 'UNPUBLISH', callId: 10 });
    socket.open();
    expect(socket.lastOf('unpublish')).toBeUndefined();
    socket.reply(socket.lastOf('join')!, { sessionId: 's', resumeToken: 't', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: [], streams: [] });
    await tick();
    socket.reply(socket.lastOf('unpublish')!, {});
    await tick();
    expect(d.answers(10)).toEqual([{ type: 'CALL_CONFIRMED', callId: 10 }]);
    d.stop();
  });
});
