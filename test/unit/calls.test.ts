// The bookkeeping of page calls in flight (src/machines/calls.ts): a refused call puts back what it changed only
// where no later call is pending on the same field; otherwise that later call inherits what to put back.

import { confirmCall, pendingCall, playerRevert, pusherRevert, withdrawCall, type PendingCall } from '../../src/machines/calls';

const mic = (callId: number, before: boolean): PendingCall => ({ callId, call: 'muteLocal', answered: false, undo: [{ field: { kind: 'pusher', key: 'enableMic' }, value: before }] });

test('a lone refused call reverts each field it changed', () => {
  const calls = [mic(1, true)];
  expect(withdrawCall(calls, 1)).toEqual({ rest: [], revert: [{ field: { kind: 'pusher', key: 'enableMic' }, value: true }] });
});

test('a refused call with a later one pending on the field reverts nothing and hands its value on', () => {
  const calls = [mic(1, true), mic(2, false)];
  const { rest, revert } = withdrawCall(calls, 1);
  expect(revert).toEqual([]);
  expect(rest).toEqual([mic(2, true)]);
  // The later one refused too: back to where both started.
  expect(withdrawCall(rest, 2).revert).toEqual([{ field: { kind: 'pusher', key: 'enableMic' }, value: true }]);
});

test('an earlier call pending on the field does not stop a later refusal from reverting to the earlier value', () => {
  const calls = [mic(1, true), mic(2, false)];
  expect(withdrawCall(calls, 2)).toEqual({ rest: [mic(1, true)], revert: [{ field: { kind: 'pusher', key: 'enableMic' }, value: false }] });
});

test('fields are told apart: another field, another player, the visibility', () => {
  const camera: PendingCall = { callId: 2, call: 'muteLocal', answered: false, undo: [{ field: { kind: 'pusher', key: 'enableCamera' }, value: true }] };
  expect(withdrawCall([mic(1, true), camera], 1).revert).toHaveLength(1);
  const bob: PendingCall = { callId: 3, call: 'muteRemote', answered: false, undo: [{ field: { kind: 'player', id: 'bob_main', key: 'muteVideo' }, value: false }] };
  const carol: PendingCall = { callId: 4, call: 'muteRemote', answered: false, undo: [{ field: { kind: 'player', id: 'carol_main', key: 'muteVideo' }, value: true }] };
  expect(withdrawCall([bob, carol], 3).revert).toEqual(bob.undo);
});

test('an unknown callId changes nothing; a confirmed call is only taken out', () => {
  const calls = [mic(1, true)];
  expect(withdrawCall(calls, 9)).toEqual({ rest: calls, revert: [] });
  expect(pendingCall(calls, 9)).toBeUndefined();
  expect(confirmCall(calls, 1)).toEqual([]);
});

test('reverts become pusher attributes and per-player attributes with the subscription', () => {
  const revert = [
    { field: { kind: 'pusher', key: 'enableMic' }, value: true },
    { field: { kind: 'player', id: 'bob_main', key: 'muteAudio' }, value: false },
    { field: { kind: 'player', id: 'bob_main', key: 'subscribed' }, value: { audio: true, video: false } },
    { field: { kind: 'player', id: 'carol_main', key: 'subscribed' }, value: null },
  ] as const;
  expect(pusherRevert(revert as never)).toEqual({ enableMic: true });
  expect(playerRevert(revert as never, 'bob_main')).toEqual({ attributes: { muteAudio: false }, subscribed: { audio: true, video: false } });
  expect(playerRevert(revert as never, 'carol_main')).toEqual({ attributes: {}, subscribed: null });
  expect(playerRevert(revert as never, 'dave_main')).toBeNull();
});
