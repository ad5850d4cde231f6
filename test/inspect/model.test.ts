// The /inspect page's model, without a browser: sessions and participants from relay messages, a
// participant's timeline, its actors' states at any point of history, labels and one-line state values.

import { InspectorModel, participantLabel, stateAt, stateText, timelineOf } from '../../server/inspector/model';
import type { SessionInfo, StatelyMessage, ViewerMessage } from '../../src/inspect/protocol';

const info = (id: string, label = ''): SessionInfo => ({ id, label, clientId: null, remoteAddress: '127.0.0.1', connectedAt: 0, closedAt: null, dropped: 0, received: 0 });
let seq = 0;
const event = (session: string, message: Partial<StatelyMessage> & Pick<StatelyMessage, 'type' | 'sessionId'>): ViewerMessage => ({
  type: 'event',
  session,
  seq: ++seq,
  at: 1000 + seq,
  event: { rootId: 'x:0', createdAt: String(1000 + seq), ...message },
});
const definition = (id: string) => JSON.stringify({ id, states: {} });

function roomSession(model: InspectorModel, session = 's1'): void {
  model.apply({ type: 'sessions', sessions: [info(session, 'alice')] });
  model.apply(event(session, { type: '@xstate.actor', sessionId: 'x:0', name: 'room', definition: definition('room'), snapshot: { status: 'active', value: 'idle' } }));
  model.apply(event(session, { type: '@xstate.actor', sessionId: 'x:1', name: 'signaling', parentId: 'x:0', definition: JSON.stringify({ id: 'signaling' }) }));
  model.apply(event(session, { type: '@xstate.event', sessionId: 'x:0', event: { type: 'ENTER_ROOM', params: { userID: 'alice' } } }));
  model.apply(event(session, { type: '@xstate.snapshot', sessionId: 'x:0', event: { type: 'ENTER_ROOM' }, snapshot: { status: 'active', value: { active: 'entering' }, context: { params: { userID: 'alice' } } } }));
  model.apply(event(session, { type: '@xstate.actor', sessionId: 'x:2', name: 'bob_main', parentId: 'x:0', definition: definition('player'), snapshot: { status: 'active', value: 'idle' } }));
  model.apply(event(session, { type: '@xstate.snapshot', sessionId: 'x:2', event: { type: 'xstate.stop' }, snapshot: { status: 'stopped', value: 'idle' } }));
}

test('participants are root actors; machines come from definitions, helpers have none', () => {
  const model = new InspectorModel();
  roomSession(model);
  const [participant, ...rest] = model.participants();
  expect(rest).toHaveLength(0);
  expect(participant!.key).toBe('s1/x:0');
  const actors = participant!.session.actors;
  expect(actors.get('x:0')).toMatchObject({ name: 'room', machine: 'room', parentId: null });
  expect(actors.get('x:1')).toMatchObject({ name: 'signaling', machine: null, parentId: 'x:0' });
  expect(actors.get('x:2')).toMatchObject({ name: 'bob_main', machine: 'player' });
});

test('state at a point of history: actors alive then, with the snapshot they had', () => {
  const model = new InspectorModel();
  roomSession(model);
  const participant = model.participants()[0]!;
  const timeline = timelineOf(participant);
  expect(timeline.map((e) => `${e.kind}:${e.type}`)).toEqual(['actor:spawned', 'actor:spawned', 'event:ENTER_ROOM', 'snapshot:ENTER_ROOM', 'actor:spawned', 'snapshot:xstate.stop']);
  const at = (index: number) => stateAt(participant, timeline, index).map((s) => `${s.actor.name}=${stateText(s.value)}`);
  expect(at(0)).toEqual(['room=idle']);
  expect(at(3)).toEqual(['room=active.entering', 'signaling=']);
  expect(at(4)).toEqual(['room=active.entering', 'signaling=', 'bob_main=idle']);
  // Stopped: gone from the picture.
  expect(at(5)).toEqual(['room=active.entering', 'signaling=']);
  const room = stateAt(participant, timeline, 3)[0]!;
  expect(room.event).toBe('ENTER_ROOM');
  expect(room.previousValue).toBe('idle');
  expect(participantLabel(participant, room)).toBe('alice');
});

test('labels fall back to the userID the room entered with; sessions can go away', () => {
  const model = new InspectorModel();
  roomSession(model, 's9');
  model.apply({ type: 'session', session: info('s9', '') });
  const participant = model.participants()[0]!;
  const timeline = timelineOf(participant);
  expect(participantLabel(participant, stateAt(participant, timeline, 3)[0])).toBe('alice');
  model.apply({ type: 'session', session: info('s9', 'page/room') });
  expect(participantLabel(participant, stateAt(participant, timeline, 3)[0])).toBe('page/room (alice)');
  model.apply({ type: 'sessions', sessions: [] });
  expect(model.participants()).toEqual([]);
});

test('events for an actor whose registration is gone still land; repeats are dropped', () => {
  const model = new InspectorModel();
  const late = event('s2', { type: '@xstate.snapshot', sessionId: 'x:7', rootId: 'x:0', event: { type: 'X' }, snapshot: { status: 'active', value: 'a' } });
  expect(model.apply(late)).toBe(true);
  expect(model.apply(late)).toBe(false);
  const session = model.sessions.get('s2')!;
  expect(session.actors.get('x:7')).toMatchObject({ name: 'x:7', parentId: 'x:0', machine: null });
  expect(session.entries).toHaveLength(1);
});

test('stateText writes parallel regions on one line', () => {
  expect(stateText('idle')).toBe('idle');
  expect(stateText({ active: { inRoom: { connection: 'connected', publication: 'published' } } })).toBe('active.inRoom{connection.connected, publication.published}');
  expect(stateText(undefined)).toBe('');
});
