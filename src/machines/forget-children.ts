// Stopping many children in one step, in linear time. XState's stopChild copies the parent snapshot's whole
// `children` map for every child it stops (resolveStop: `{ ...children }`, then delete one), so leaving a
// room of N players cost N copies of an N-entry map: 76 % of exitRoom's CPU at 300 players (node --cpu-prof).
// `forgetChildren(refs)` takes them all out of the map with one copy; the stopChild actions that follow it
// (XState's own: unregister, deferred stop) then copy only the few children that remain. It stops nothing
// itself and has no side effect: it is a pure snapshot step, resolved like XState's built-in actions.

import type { AnyActorRef, EventObject, MachineContext } from 'xstate';

/** The parts of a machine snapshot this step reads and replaces. */
interface SnapshotWithChildren {
  readonly children: Readonly<Record<string, AnyActorRef | undefined>>;
}

/**
 * XState's built-in action protocol (what `stopChild`, `assign` and `emit` return): a function carrying
 * `type` and `resolve`, where resolve gives the next snapshot, the params for `execute` (none here) and
 * the actions to resolve next (none).
 */
interface SnapshotStep {
  (args: unknown, params: unknown): void;
  type: string;
  resolve: (actorScope: unknown, snapshot: SnapshotWithChildren) => [SnapshotWithChildren, undefined, undefined];
}

/**
 * An action that drops `refs` from the parent's `children` in one copy. Follow it, in the same action list,
 * with `stopChild(ref)` for each of them: that is what stops them.
 */
export function forgetChildren<TContext extends MachineContext, TEvent extends EventObject>(
  refs: readonly AnyActorRef[],
): (args: { context: TContext; event: TEvent }, params: unknown) => void {
  const step: SnapshotStep = Object.assign(() => undefined, {
    type: 'wxrtc.forgetChildren',
    resolve: (_actorScope: unknown, snapshot: SnapshotWithChildren): [SnapshotWithChildren, undefined, undefined] => {
      if (refs.length === 0) return [snapshot, undefined, undefined];
      const gone = new Set(refs.map((ref) => ref.id));
      const children: Record<string, AnyActorRef | undefined> = {};
      for (const id of Object.keys(snapshot.children)) if (!gone.has(id)) children[id] = snapshot.children[id];
      // A machine snapshot is a plain object (XState's cloneMachineSnapshot rebuilds the same fields): a spread
      // keeps every field, value and tags included, and replaces only the map.
      return [{ ...snapshot, children }, undefined, undefined];
    },
  });
  return step;
}
