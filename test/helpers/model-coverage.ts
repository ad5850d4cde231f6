// Honest statechart coverage: every state node and transition branch from the machine definition, what real runs
// took from XState's `@xstate.microstep` inspection, and @xstate/graph path planning over a pure stepper.

import { createEmptyActor, type AnyActorScope, type AnyEventObject, type AnyMachineSnapshot, type AnyStateMachine, type InspectionEvent } from 'xstate';
import { getAdjacencyMap, getShortestPaths, toDirectedGraph, type DirectedGraphNode } from '@xstate/graph';

type AnyStateNode = AnyStateMachine['root'];
type AnyTransition = AnyStateNode['always'] extends Array<infer T> | undefined ? T : never;

export interface TransitionInfo {
  /** Stable across machine.provide(): `${sourceId} ${event}[${branch}]`. */
  key: string;
  source: string;
  event: string;
  /** Index of this branch among the source's transitions for the event (guard order). */
  branch: number;
  guard: string | null;
  targets: string[];
}

export interface MachineInventory {
  machineId: string;
  states: string[];
  transitions: TransitionInfo[];
}

const ALWAYS = '(always)';

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in (guard as Record<string, unknown>)) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') return (guard as { name?: string }).name || 'inline';
  return 'inline';
}

/** The key of a transition definition, computed from the definition itself so provided variants agree. */
export function transitionKey(t: AnyTransition): string {
  const source = t.source;
  const always = source.always ?? [];
  const branches = t.eventType === '' || always.includes(t) ? always : (source.transitions.get(t.eventType) ?? []);
  const branch = branches.indexOf(t);
  // The definitions are cached on their state node; if a future XState rebuilt them, coverage would silently
  // count nothing, so say so instead.
  if (branch < 0) throw new Error(`transition ${source.id} ${t.eventType} is not among its source's definitions`);
  return `${source.id} ${branches === always ? ALWAYS : t.eventType}[${branch}]`;
}

function collectStates(node: DirectedGraphNode, out: string[]): void {
  for (const child of node.children) {
    out.push(child.id);
    collectStates(child, out);
  }
}

function collectTransitions(node: AnyStateNode, out: TransitionInfo[]): void {
  for (const [event, branches] of node.transitions) {
    branches.forEach((t, branch) =>
      out.push({ key: `${node.id} ${event}[${branch}]`, source: node.id, event, branch, guard: guardName(t.guard), targets: (t.target ?? []).map((s) => s.id) }),
    );
  }
  (node.always ?? []).forEach((t, branch) =>
    out.push({ key: `${node.id} ${ALWAYS}[${branch}]`, source: node.id, event: ALWAYS, branch, guard: guardName(t.guard), targets: (t.target ?? []).map((s) => s.id) }),
  );
  for (const child of Object.values(node.states)) collectTransitions(child, out);
}

/**
 * Every state node below the root (compound, parallel regions, atomic) via @xstate/graph's toDirectedGraph,
 * and every transition branch. toDirectedGraph's edges leave out `always`, so transitions are read from the
 * state nodes themselves: `transitions` (on + after) and `always`.
 */
export function inventoryOf(machine: AnyStateMachine): MachineInventory {
  const states: string[] = [];
  collectStates(toDirectedGraph(machine), states);
  const transitions: TransitionInfo[] = [];
  collectTransitions(machine.root, transitions);
  return { machineId: machine.id, states, transitions };
}

export interface CoverageFigures {
  machineId: string;
  states: { covered: number; total: number; missing: string[] };
  transitions: { covered: number; total: number; missing: string[] };
}

/** Records, per machine id, the state nodes entered and transitions taken by every actor of a system. */
export class CoverageRecorder {
  private readonly inventories = new Map<string, MachineInventory>();
  private readonly states = new Map<string, Set<string>>();
  private readonly transitions = new Map<string, Set<string>>();
  /** Every transition key taken by the last call of `take()`'s window, for step-level assertions. */
  private window: string[] | null = null;

  constructor(machines: AnyStateMachine[]) {
    for (const machine of machines) {
      this.inventories.set(machine.id, inventoryOf(machine));
      this.states.set(machine.id, new Set());
      this.transitions.set(machine.id, new Set());
    }
  }

  /** Pass as createActor's `inspect` option: it sees the root actor and every spawned or invoked child. */
  readonly inspect = (event: InspectionEvent): void => {
    const snapshot = event.type === '@xstate.microstep' || event.type === '@xstate.snapshot' ? (event.snapshot as AnyMachineSnapshot) : null;
    if (!snapshot || !('machine' in snapshot) || !snapshot.machine) return;
    const machineId = snapshot.machine.id as string;
    const states = this.states.get(machineId);
    if (!states) return;
    for (const node of snapshot._nodes) if (node.parent) states.add(node.id);
    if (event.type !== '@xstate.microstep') return;
    for (const t of event._transitions as AnyTransition[]) this.addTransition(machineId, t);
  };

  addTransition(machineId: string, t: AnyTransition): void {
    const key = transitionKey(t);
    this.transitions.get(machineId)?.add(key);
    this.window?.push(`${machineId}:${key}`);
    // A transition taken proves its source (and the source's ancestors) were active, even when an eventless
    // transition left them in the same macrostep (a transient initial state).
    for (let node: AnyStateNode | undefined = t.source; node?.parent; node = node.parent) this.states.get(machineId)?.add(node.id);
  }

  /** Run `body` and return the transitions it took (machine:key). */
  take(body: () => void): string[] {
    const previous = this.window;
    this.window = [];
    try {
      body();
      return this.window;
    } finally {
      this.window = previous;
    }
  }

  figures(machineId: string): CoverageFigures {
    const inventory = this.inventories.get(machineId);
    if (!inventory) throw new Error(`no inventory for machine ${machineId}`);
    const states = this.states.get(machineId)!;
    const transitions = this.transitions.get(machineId)!;
    const missingStates = inventory.states.filter((s) => !states.has(s));
    const missingTransitions = inventory.transitions
      .filter((t) => !transitions.has(t.key))
      .map((t) => `${t.key}${t.guard ? ` [${t.guard}]` : ''} -> ${t.targets.join(', ') || '(no target)'}`);
    return {
      machineId,
      states: { covered: inventory.states.length - missingStates.length, total: inventory.states.length, missing: missingStates },
      transitions: { covered: inventory.transitions.length - missingTransitions.length, total: inventory.transitions.length, missing: missingTransitions },
    };
  }
}

export function formatFigures(f: CoverageFigures, label = f.machineId): string {
  const pct = (c: number, t: number) => (t === 0 ? '100.0' : ((100 * c) / t).toFixed(1));
  return (
    `[model] ${label.padEnd(22)} states ${String(f.states.covered).padStart(3)}/${String(f.states.total).padEnd(3)} (${pct(f.states.covered, f.states.total)}%)` +
    `  transitions ${String(f.transitions.covered).padStart(3)}/${String(f.transitions.total).padEnd(3)} (${pct(f.transitions.covered, f.transitions.total)}%)`
  );
}

/**
 * A pure stepper over a machine: `machine.transition` with a private actor scope whose inspection stream tells
 * which transitions the root took (actions are not executed; spawned children are created but never started).
 * Used as the `logic` @xstate/graph walks: each step's snapshot carries the transition keys it took.
 */
export interface PureStep<TSnapshot> {
  snapshot: TSnapshot;
  /** Transition keys of the root machine taken by the event that led here. */
  taken: string[];
}

export function pureLogic<TMachine extends AnyStateMachine>(machine: TMachine, input: unknown) {
  const self = createEmptyActor();
  // sendParent resolves its target while the transition is computed: give the pure actor a (silent) parent.
  (self as unknown as { _parent: unknown })._parent = createEmptyActor();
  let taken: string[] = [];
  self.system.inspect((event: InspectionEvent) => {
    if (event.type === '@xstate.microstep' && event.actorRef === self) {
      for (const t of event._transitions as AnyTransition[]) taken.push(transitionKey(t));
    }
  });
  const scope = {
    self,
    logger: () => undefined,
    id: '',
    sessionId: 'graph',
    defer: () => undefined,
    system: self.system,
    stopChild: () => undefined,
    emit: () => undefined,
    actionExecutor: () => undefined,
  } as unknown as AnyActorScope;
  type S = ReturnType<TMachine['getInitialSnapshot']>;
  return {
    initial(): PureStep<S> {
      taken = [];
      const snapshot = machine.getInitialSnapshot(scope, input) as S;
      return { snapshot, taken };
    },
    step(state: PureStep<S>, event: AnyEventObject): PureStep<S> {
      taken = [];
      const snapshot = machine.transition(state.snapshot as never, event as never, scope) as S;
      return { snapshot, taken };
    },
    /** As ActorLogic for @xstate/graph (which only calls transition and getInitialSnapshot). */
    asGraphLogic() {
      return {
        transition: (state: PureStep<S>, event: AnyEventObject) => this.step(state, event),
        getInitialSnapshot: () => this.initial(),
      };
    },
  };
}

// --- path planning with @xstate/graph -----------------------------------------------------------------------

export interface PlannedPath<TSnapshot> {
  /** Why the path exists: 'reach <state value>' or 'take <transition keys>'. */
  purpose: string;
  events: AnyEventObject[];
  /** The snapshot the pure model predicts after each event (same length as `events`). */
  predicted: TSnapshot[];
}

export interface PlanOptions<TSnapshot> {
  /** The event alphabet offered in a state (parameterized variants of each event type). */
  events: (snapshot: TSnapshot) => AnyEventObject[];
  /** What distinguishes two states for the search (state value plus the context that guards read). */
  abstractKey: (snapshot: TSnapshot) => string;
  /** Safety bound on the number of abstract states explored. */
  limit?: number;
}

export interface Plan<TSnapshot> {
  paths: Array<PlannedPath<TSnapshot>>;
  /** Abstract states the search found, and edges (state, event) it tried. */
  explored: { states: number; edges: number };
  /** Transition keys the pure model says the paths take. */
  predicted: Set<string>;
}

/**
 * Plan paths with @xstate/graph: getShortestPaths (states told apart by value only) gives one path to every
 * state value; getAdjacencyMap (states told apart by `abstractKey`) gives every edge, and an edge whose event
 * takes a transition no earlier path took becomes a path: the shortest path to its source, then its event.
 */
export function planPaths<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: unknown,
  options: PlanOptions<ReturnType<TMachine['getInitialSnapshot']>>,
): Plan<ReturnType<TMachine['getInitialSnapshot']>> {
  type S = ReturnType<TMachine['getInitialSnapshot']>;
  const pure = pureLogic(machine, input);
  const logic = pure.asGraphLogic() as unknown as Parameters<typeof getShortestPaths>[0];
  const fromState = pure.initial();
  const events = (state: PureStep<S>) => options.events(state.snapshot);
  const limit = options.limit ?? 200_000;
  const paths: Array<PlannedPath<S>> = [];
  const predicted = new Set<string>(fromState.taken);

  // @xstate/graph keeps one representative snapshot per serialized state, so the snapshots along a path it
  // returns need not chain when several states share a key: keep its events, and predict by replaying them.
  const toPlanned = (purpose: string, events: AnyEventObject[]): PlannedPath<S> => {
    let state = fromState;
    const predictedSteps: S[] = [];
    for (const event of events) {
      state = pure.step(state, event);
      for (const k of state.taken) predicted.add(k);
      predictedSteps.push(state.snapshot);
    }
    return { purpose, events, predicted: predictedSteps };
  };

  // 1. Reach every state value.
  const byValue = getShortestPaths(logic, {
    fromState,
    events,
    serializeState: (state: PureStep<S>) => JSON.stringify(state.snapshot.value),
    limit,
  } as never) as Array<{ state: PureStep<S>; steps: Array<{ event: AnyEventObject; state: PureStep<S> }> }>;
  for (const path of byValue) {
    // alterPath() puts xstate.init first; step i (i >= 1) is the event that led to step i's state.
    const events = path.steps.slice(1).map((s) => s.event);
    if (events.length === 0) continue;
    paths.push(toPlanned(`reach ${JSON.stringify(path.state.snapshot.value)}`, events));
  }

  // 2. Take every transition: walk every (abstract state, event) edge.
  const adjacency = getAdjacencyMap(logic, {
    fromState,
    events,
    serializeState: (state: PureStep<S>) => options.abstractKey(state.snapshot),
    limit,
  } as never) as Record<string, { state: PureStep<S>; transitions: Record<string, { event: AnyEventObject; state: PureStep<S> }> }>;
  const keys = Object.keys(adjacency);
  // Shortest path to every abstract state, by breadth-first search over the adjacency map.
  const route = new Map<string, Array<{ event: AnyEventObject; state: PureStep<S> }>>([[keys[0]!, []]]);
  const queue = [keys[0]!];
  let edges = 0;
  while (queue.length > 0) {
    const key = queue.shift()!;
    const here = route.get(key)!;
    for (const edge of Object.values(adjacency[key]!.transitions)) {
      edges += 1;
      const next = options.abstractKey(edge.state.snapshot);
      // Only the edge that discovered `next` leads to the snapshot whose edges the map holds.
      if (!route.has(next) && adjacency[next]?.state === edge.state) {
        route.set(next, [...here, { event: edge.event, state: edge.state }]);
        queue.push(next);
      }
    }
  }
  const ordered = [...route.keys()].sort((a, b) => route.get(a)!.length - route.get(b)!.length);
  for (const key of ordered) {
    for (const edge of Object.values(adjacency[key]!.transitions)) {
      if (!edge.state.taken.some((k) => !predicted.has(k))) continue;
      paths.push(toPlanned(`take ${edge.state.taken.join(', ')}`, [...route.get(key)!.map((s) => s.event), edge.event]));
    }
  }
  return { paths, explored: { states: keys.length, edges }, predicted };
}

/**
 * Plan paths from each input and drive every one on the real machine (`drive` checks each step against the
 * model's prediction and counts it in `totals`): the coverage the runs recorded, and how much was planned.
 */
export function coverFromInputs<TMachine extends AnyStateMachine, TInput>(
  machine: TMachine,
  inputs: readonly TInput[],
  options: PlanOptions<ReturnType<TMachine['getInitialSnapshot']>>,
  drive: (input: TInput, path: PlannedPath<ReturnType<TMachine['getInitialSnapshot']>>, recorder: CoverageRecorder, totals: { steps: number }) => void,
): { figures: CoverageFigures; paths: number; steps: number; explored: number } {
  const recorder = new CoverageRecorder([machine]);
  const totals = { steps: 0 };
  let paths = 0;
  let explored = 0;
  for (const input of inputs) {
    const plan = planPaths(machine, input, options);
    explored += plan.explored.states;
    for (const path of plan.paths) drive(input, path, recorder, totals);
    paths += plan.paths.length;
  }
  return { figures: recorder.figures(machine.id), paths, steps: totals.steps, explored };
}
