// The driver option is typed: both drivers are SignalingLogic, and a logic that needs more input than the room
// gives (SignalingInput) is refused by the compiler. `npm run typecheck` compiles this file, so the expected
// compile error below fails the build if the type ever lets such a driver through.

import { fromCallback } from 'xstate';
import { trtcRoomSignaling } from '../../src/services/signaling/trtc-room';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import type { SignalingCommand, SignalingEvent, SignalingInput, SignalingLogic } from '../../src/services/signaling/types';
import { TRTC } from '../../src/trtc';

const drivers: Record<'trtc-room' | 'websocket', SignalingLogic> = {
  'trtc-room': trtcRoomSignaling,
  websocket: createWebSocketSignaling({ url: 'ws://127.0.0.1:1/' }),
};

test('both drivers are SignalingLogic and the facade takes them', () => {
  expect(Object.values(drivers).every((logic) => typeof logic.transition === 'function' && typeof logic.getInitialSnapshot === 'function')).toBe(true);
  // A driver that needs an input the room never gives is not a SignalingLogic.
  const needsMore = fromCallback<SignalingCommand, SignalingInput & { token: string }, SignalingEvent>(() => undefined);
  // @ts-expect-error -- `token` is required but the room does not pass it
  const refused: SignalingLogic = needsMore;
  expect(refused).toBe(needsMore);
  const accepts = (options: NonNullable<ConstructorParameters<typeof TRTC>[1]>) => options;
  expect(accepts({ signaling: drivers.websocket }).signaling).toBe(drivers.websocket);
});
