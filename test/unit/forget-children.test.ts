// forgetChildren: many children leave the parent's snapshot in one step; the stopChild actions after it stop them.

import { assign, createActor, enqueueActions, fromCallback, setup, type AnyActorRef } from 'xstate';
import { forgetChildren } from '../../src/machines/forget-children';

const stopped: string[] = [];
const idler = fromCallback<{ type: 'PING' }, { name: string }>(({ input }) => () => void stopped.push(input.name));

type Events = { type: 'SPAWN'; n: number } | { type: 'DROP'; keep: number } | { type: 'NEXT' };

const crowd = setup({
  types: {} as { context: { kids: AnyActorRef[] }; events: Events },
  actors: { idler },
  actions: {
    // As the room's leaveLocally: forget every child to stop in one step, then XState's stopChild for each.
    dropAllBut: enqueueActions(({ context, enqueue }, params: { keep: number }) => {
      const leaving = context.kids.slice(params.keep);
      enqueue(forgetChildren(leaving));
      for (const kid of leaving) enqueue.stopChild(kid);
      enqueue.assign({ kids: context.kids.slice(0, params.keep) });
    }),
  },
}).createMachine({
  context: { kids: [] },
  initial: 'busy',
  invoke: { id: 'keeper', src: 'idler', input: { name: 'keeper' } },
  states: {
    busy: {
      tags: ['working'],
      on: {
        SPAWN: {
          actions: assign({
            kids: ({ event, spawn }) => Array.from({ length: event.n }, (_, i) => spawn('idler', { id: `kid${i}`, input: { name: `kid${i}` } })),
          }),
        },
        DROP: { actions: { type: 'dropAllBut', params: ({ event }) => ({ keep: event.keep }) } },
        NEXT: 'done',
      },
    },
    done: {},
  },
});

beforeEach(() => void (stopped.length = 0));

test('the children given leave the snapshot and are stopped, in order; the others, the state value and tags stay', () => {
  const actor = createActor(crowd).start();
  actor.send({ type: 'SPAWN', n: 50 });
  const kids = actor.getSnapshot().context.kids;
  const before = actor.getSnapshot();
  actor.send({ type: 'DROP', keep: 2 });
  const after = actor.getSnapshot();
  expect(Object.keys(after.children).sort()).toEqual(['keeper', 'kid0', 'kid1']);
  expect(stopped).toEqual(kids.slice(2).map((k) => k.id));
  expect(kids.slice(2).every((k) => k.getSnapshot().status === 'stopped')).toBe(true);
  expect(kids.slice(0, 2).every((k) => k.getSnapshot().status === 'active')).toBe(true);
  // The snapshot is a whole one: its methods, value and tags work as on any other.
  expect(after.value).toBe('busy');
  expect(after.matches('busy')).toBe(true);
  expect(after.hasTag('working')).toBe(true);
  expect(after.can({ type: 'NEXT' })).toBe(true);
  expect(JSON.parse(JSON.stringify(after)).value).toBe('busy');
  // The snapshot the page held before is untouched.
  expect(Object.keys(before.children)).toHaveLength(51);
  actor.send({ type: 'NEXT' });
  expect(actor.getSnapshot().value).toBe('done');
  actor.stop();
  expect(stopped.slice(-3).sort()).toEqual(['keeper', 'kid0', 'kid1']);
});

test('nothing to forget leaves the snapshot as it was', () => {
  const actor = createActor(crowd).start();
  actor.send({ type: 'SPAWN', n: 3 });
  actor.send({ type: 'DROP', keep: 3 });
  expect(Object.keys(actor.getSnapshot().children).sort()).toEqual(['keeper', 'kid0', 'kid1', 'kid2']);
  expect(stopped).toEqual([]);
  actor.stop();
});

test('a persisted snapshot after forgetting names only the children left', () => {
  const actor = createActor(crowd).start();
  actor.send({ type: 'SPAWN', n: 5 });
  actor.send({ type: 'DROP', keep: 1 });
  const persisted = actor.getPersistedSnapshot() as unknown as { children: Record<string, unknown> };
  expect(Object.keys(persisted.children).sort()).toEqual(['keeper', 'kid0']);
  actor.stop();
});
