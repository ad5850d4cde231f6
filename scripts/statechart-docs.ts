// Turns the room, pusher and player machines into the files under statecharts/: a stable JSON of each
// definition, an SVG of each (server/inspector/chart.ts, the /inspect page's renderer) and a README with
// Mermaid diagrams. Pure (returns contents), so a test can diff it against disk.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { playerMachine } from '../src/machines/player.machine';
import { pusherMachine } from '../src/machines/pusher.machine';
import { roomMachine } from '../src/machines/room.machine';
import { renderChart } from '../server/inspector/chart';

const repoRoot = join(__dirname, '..');

/** The machines that get a chart, in README order, with the file that defines each. */
const MACHINES: ReadonlyArray<{ name: string; machine: AnyStateMachine; source: string }> = [
  { name: 'room', machine: roomMachine, source: 'src/machines/room.machine.ts' },
  { name: 'pusher', machine: pusherMachine, source: 'src/machines/pusher.machine.ts' },
  { name: 'player', machine: playerMachine, source: 'src/machines/player.machine.ts' },
];

// --- the JSON model ------------------------------------------------------------------------------------

/** An action or guard: its name, or name and static params. Inline functions have no name to show. */
export type NamedRef = string | { type: string; params: unknown };

export interface TransitionJson {
  target?: string[];
  guard?: NamedRef;
  actions?: NamedRef[];
  reenter?: true;
}

export interface StateJson {
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial?: string;
  description?: string;
  tags?: string[];
  entry?: NamedRef[];
  exit?: NamedRef[];
  invoke?: Array<{ id: string; src: string }>;
  on?: Record<string, TransitionJson[]>;
  after?: Record<string, TransitionJson[]>;
  always?: TransitionJson[];
  states?: Record<string, StateJson>;
}

export interface MachineJson extends StateJson {
  id: string;
  source: string;
  implementations: { actions: string[]; guards: string[]; actors: string[]; delays: string[] };
}

/**
 * The parts of XState v5's StateNode this file reads. `definition`/`toJSON()` keep functions and fold
 * `after` into `on` under generated event names, so the normalized nodes are read directly instead.
 */
interface IntrospectedTransition {
  target?: readonly IntrospectedNode[];
  guard?: unknown;
  actions: readonly unknown[];
  reenter: boolean;
  delay?: string | number;
}

interface IntrospectedNode {
  id: string;
  type: StateJson['type'];
  description?: string;
  tags: readonly string[];
  config: { entry?: unknown; exit?: unknown };
  states: Record<string, IntrospectedNode>;
  transitions: Map<string, IntrospectedTransition[]>;
  always?: IntrospectedTransition[];
  after: IntrospectedTransition[];
  initial: { target: readonly IntrospectedNode[] };
  invoke: ReadonlyArray<{ id: string; src: unknown }>;
}

const INLINE = '(inline)';
/** sendParent is sendTo this special target. */
const PARENT_TARGET = '#_parent';

type BuiltIn = ((...args: never[]) => unknown) & Record<string, unknown>;

function toArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function eventTypeOf(event: unknown): string | null {
  return typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string' ? (event as { type: string }).type : null;
}

/** JSON with object keys sorted at every level: params have no meaningful order. */
function sortedValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedValue);
  if (typeof value === 'function') return INLINE;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedValue((value as Record<string, unknown>)[key])]),
  );
}

function describeBuiltIn(action: BuiltIn, kind: string): string {
  switch (kind) {
    case 'assign':
      return typeof action.assignment === 'object' && action.assignment !== null ? `assign(${Object.keys(action.assignment).join(', ')})` : 'assign';
    case 'emit':
    case 'raise': {
      const type = eventTypeOf(action.event);
      return type ? `${kind}(${type})` : kind;
    }
    case 'sendTo': {
      const type = eventTypeOf(action.event);
      if (action.to === PARENT_TARGET) return type ? `sendParent(${type})` : 'sendParent';
      const to = typeof action.to === 'string' ? action.to : 'computed';
      return type ? `sendTo(${to}, ${type})` : `sendTo(${to})`;
    }
    case 'spawnChild':
      return typeof action.src === 'string' ? `spawnChild(${action.src})` : 'spawnChild';
    default:
      return kind;
  }
}

function describeAction(action: unknown): NamedRef {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') {
    const builtIn = action as BuiltIn;
    return typeof builtIn.type === 'string' && builtIn.type.startsWith('xstate.') ? describeBuiltIn(builtIn, builtIn.type.slice('xstate.'.length)) : INLINE;
  }
  if (typeof action === 'object' && action !== null && typeof (action as { type?: unknown }).type === 'string') {
    const { type, params } = action as { type: string; params?: unknown };
    // Params computed from the event are runtime values, not part of the chart.
    return params === undefined || typeof params === 'function' ? type : { type, params: sortedValue(params) };
  }
  return INLINE;
}

const HIGHER_ORDER_GUARDS = new Set(['and', 'or', 'not']);

function guardText(guard: NamedRef): string {
  return typeof guard === 'string' ? guard : guard.type;
}

function describeGuard(guard: unknown): NamedRef {
  if (typeof guard === 'function') {
    const combined = guard as BuiltIn;
    if (HIGHER_ORDER_GUARDS.has(guard.name) && Array.isArray(combined.guards)) {
      return `${guard.name}(${combined.guards.map((inner) => guardText(describeGuard(inner))).join(', ')})`;
    }
    return INLINE;
  }
  return describeAction(guard);
}

function describeTransition(transition: IntrospectedTransition): TransitionJson {
  const json: TransitionJson = {};
  if (transition.target && transition.target.length > 0) json.target = transition.target.map((node) => `#${node.id}`);
  if (transition.guard !== undefined) json.guard = describeGuard(transition.guard);
  if (transition.actions.length > 0) json.actions = transition.actions.map(describeAction);
  if (transition.reenter) json.reenter = true;
  return json;
}

function describeState(node: IntrospectedNode): StateJson {
  const json: StateJson = { type: node.type };
  const initial = node.initial.target[0];
  if (node.type === 'compound' && initial) json.initial = Object.keys(node.states).find((key) => node.states[key] === initial)!;
  if (node.description) json.description = node.description;
  if (node.tags.length > 0) json.tags = [...node.tags].sort();
  // From the config: the normalized entry/exit also hold the timers XState adds for `after`.
  const entry = toArray(node.config.entry).map(describeAction);
  const exit = toArray(node.config.exit).map(describeAction);
  if (entry.length > 0) json.entry = entry;
  if (exit.length > 0) json.exit = exit;
  if (node.invoke.length > 0) json.invoke = node.invoke.map((invoke) => ({ id: invoke.id, src: typeof invoke.src === 'string' ? invoke.src : INLINE }));

  const delayed = new Set(node.after);
  const on: Record<string, TransitionJson[]> = {};
  for (const eventType of [...node.transitions.keys()].sort()) {
    const transitions = node.transitions.get(eventType)!.filter((t) => !delayed.has(t));
    if (transitions.length > 0) on[eventType] = transitions.map(describeTransition);
  }
  if (Object.keys(on).length > 0) json.on = on;

  if (node.after.length > 0) {
    const after: Record<string, TransitionJson[]> = {};
    for (const transition of node.after) (after[String(transition.delay)] ??= []).push(describeTransition(transition));
    json.after = Object.fromEntries(Object.keys(after).sort().map((delay) => [delay, after[delay]!]));
  }
  if (node.always && node.always.length > 0) json.always = node.always.map(describeTransition);

  const keys = Object.keys(node.states);
  if (keys.length > 0) json.states = Object.fromEntries(keys.map((key) => [key, describeState(node.states[key]!)]));
  return json;
}

export function describeMachine(machine: AnyStateMachine, source: string): MachineJson {
  const { actions, guards, actors, delays } = machine.implementations;
  const names = (record: object | undefined) => Object.keys(record ?? {}).sort();
  return {
    id: machine.id,
    source,
    ...describeState(machine.root as unknown as IntrospectedNode),
    implementations: { actions: names(actions), guards: names(guards), actors: names(actors), delays: names(delays) },
  };
}

// --- Mermaid ---------------------------------------------------------------------------------------------

interface FlatState {
  path: string[];
  json: StateJson;
}

/** Words Mermaid's state grammar reads as keywords when they start a line. */
const MERMAID_KEYWORDS = /^(state|note|end|direction|class|classDef|style|default|hide|scale|accTitle|accDescr|as)$/i;

function flatten(json: StateJson, path: string[] = [], into: FlatState[] = []): FlatState[] {
  for (const [key, child] of Object.entries(json.states ?? {})) {
    into.push({ path: [...path, key], json: child });
    flatten(child, [...path, key], into);
  }
  return into;
}

/** Short, unique Mermaid ids: the state's key, with as many parent keys in front as it takes to be unique. */
function mermaidIds(machineId: string, states: FlatState[]): Map<string, string> {
  const ids = new Map<string, string>();
  const suffix = (path: string[], length: number) => path.slice(-length).join('_').replace(/[^A-Za-z0-9_]/g, '_');
  for (const { path } of states) {
    let length = 1;
    while (length < path.length && states.some((other) => other.path !== path && suffix(other.path, length) === suffix(path, length))) length++;
    let id = suffix(path, length);
    // A parallel machine is drawn inside a frame named after it: no state may take that id either.
    if (MERMAID_KEYWORDS.test(id) || id === machineId) id = `${machineId}_${id}`;
    ids.set(`#${[machineId, ...path].join('.')}`, id);
  }
  return ids;
}

interface Edge {
  from: string;
  to: string;
  trigger: string;
  /** Guards of every transition drawn as this arrow; empty when one of them has none. */
  guards: string[];
  unguarded: boolean;
}

interface PlainTransition {
  /** Dotted path of the state that handles it ('' for the machine itself). */
  state: string;
  label: string;
  targets: string[];
}

/** Mermaid ends an edge label at ':' or ';' and treats '#' as a comment. */
function safeLabel(text: string): string {
  return text.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();
}

function guardLabel(guard: NamedRef): string {
  const text = guardText(guard);
  return text === INLINE ? 'guarded' : text;
}

function transitionLabel(trigger: string, guard: NamedRef | undefined): string {
  return guard === undefined ? trigger : `${trigger} [${guardLabel(guard)}]`;
}

function edgeLabel(edge: Edge): string {
  const guards = [...new Set(edge.guards)];
  return safeLabel(edge.unguarded || guards.length === 0 ? edge.trigger : `${edge.trigger} [${guards.join(', ')}]`);
}

function triggersOf(json: StateJson): Array<{ trigger: string; transitions: TransitionJson[] }> {
  return [
    ...Object.entries(json.on ?? {}).map(([event, transitions]) => ({ trigger: event, transitions })),
    ...Object.entries(json.after ?? {}).map(([delay, transitions]) => ({ trigger: `after ${delay}`, transitions })),
    ...(json.always ? [{ trigger: 'always', transitions: json.always }] : []),
  ];
}

/**
 * Arrows for transitions between states; everything else (actions only, from the machine itself, into the
 * state's own children) goes to a table, where Mermaid would draw it badly or not at all.
 */
function collectTransitions(machine: MachineJson, states: FlatState[], ids: Map<string, string>): { edges: Edge[]; plain: PlainTransition[] } {
  const edges: Edge[] = [];
  const plain: PlainTransition[] = [];
  const seen = new Map<string, Edge>();
  for (const { path, json } of [{ path: [] as string[], json: machine as StateJson }, ...states]) {
    const sourceRef = `#${[machine.id, ...path].join('.')}`;
    const source = ids.get(sourceRef);
    for (const { trigger, transitions } of triggersOf(json)) {
      for (const transition of transitions) {
        const targets = transition.target ?? [];
        const drawable = source !== undefined && targets.length > 0 && targets.every((t) => ids.has(t) && !t.startsWith(`${sourceRef}.`));
        if (!drawable) {
          plain.push({ state: path.join('.'), label: transitionLabel(trigger, transition.guard), targets: targets.map((t) => t.slice(machine.id.length + 2)) });
          continue;
        }
        for (const target of targets) {
          const to = ids.get(target)!;
          const key = `${source} ${to} ${trigger}`;
          // The same arrow under several guards (tried in turn) is drawn once, the guards side by side.
          let edge = seen.get(key);
          if (!edge) {
            edge = { from: source, to, trigger, guards: [], unguarded: false };
            seen.set(key, edge);
            edges.push(edge);
          }
          if (transition.guard === undefined) edge.unguarded = true;
          else edge.guards.push(guardLabel(transition.guard));
        }
      }
    }
  }
  return { edges, plain };
}

function renderStates(machine: MachineJson, parentPath: string[], json: StateJson, ids: Map<string, string>, indent: string, lines: string[]): void {
  const children = Object.entries(json.states ?? {});
  if (json.type === 'compound' && json.initial) lines.push(`${indent}[*] --> ${ids.get(`#${[machine.id, ...parentPath, json.initial].join('.')}`)}`);
  children.forEach(([key, child], index) => {
    if (json.type === 'parallel' && index > 0) lines.push(`${indent}--`);
    const path = [...parentPath, key];
    const id = ids.get(`#${[machine.id, ...path].join('.')}`)!;
    if (id !== key) lines.push(`${indent}state "${key}" as ${id}`);
    if (child.states && Object.keys(child.states).length > 0) {
      lines.push(`${indent}state ${id} {`);
      renderStates(machine, path, child, ids, `${indent}  `, lines);
      lines.push(`${indent}}`);
    } else if (id === key) {
      lines.push(`${indent}${id}`);
    }
    if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
  });
}

export function renderMermaid(machine: MachineJson): { diagram: string; plain: PlainTransition[] } {
  const states = flatten(machine);
  const ids = mermaidIds(machine.id, states);
  const lines = ['stateDiagram-v2'];
  // Mermaid separates parallel regions only inside a composite state: a parallel machine gets a frame.
  if (machine.type === 'parallel') {
    lines.push(`  state ${machine.id} {`);
    renderStates(machine, [], machine, ids, '    ', lines);
    lines.push('  }');
  } else {
    renderStates(machine, [], machine, ids, '  ', lines);
  }
  // Arrows come after every state is declared, at the top level, so no arrow moves a state out of its parent.
  const { edges, plain } = collectTransitions(machine, states, ids);
  for (const edge of edges) lines.push(`  ${edge.from} --> ${edge.to} : ${edgeLabel(edge)}`);
  return { diagram: lines.join('\n'), plain };
}

// --- README ----------------------------------------------------------------------------------------------

/** The opening comment of the machine's source file: its own summary, kept in one place. */
function summaryOf(source: string): string {
  const lines = readFileSync(join(repoRoot, source), 'utf8').split('\n');
  const comment: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('//')) break;
    comment.push(line.replace(/^\/\/\s?/, ''));
  }
  return comment.join(' ').trim();
}

function plainTable(plain: PlainTransition[]): string[] {
  const byState = new Map<string, { inPlace: string[]; moves: string[] }>();
  for (const entry of plain) {
    const row = byState.get(entry.state) ?? { inPlace: [], moves: [] };
    byState.set(entry.state, row);
    if (entry.targets.length === 0) {
      if (!row.inPlace.includes(entry.label)) row.inPlace.push(entry.label);
    } else {
      row.moves.push(`${entry.label} → ${entry.targets.join(', ')}`);
    }
  }
  const cell = (items: string[]) => items.map((item) => `\`${item.replace(/\|/g, '\\|')}\``).join(', ');
  return [
    '| state | handled in place (actions only) | transitions not drawn |',
    '| --- | --- | --- |',
    ...[...byState.entries()].map(([state, row]) => `| ${state === '' ? '*(machine)*' : `\`${state}\``} | ${cell(row.inPlace)} | ${cell(row.moves)} |`),
  ];
}

function renderReadme(charts: ReadonlyArray<{ name: string; json: MachineJson }>): string {
  const lines = [
    '# Statecharts',
    '',
    'Generated by `npm run statecharts` (scripts/statecharts.ts) from the machine definitions in src/machines/.',
    '**Do not edit these files by hand**: `test/statecharts.test.ts` fails whenever they differ from what the',
    'machines define, and the fix is to run `npm run statecharts` again.',
    '',
    'Each `<machine>.json` is the full definition: states in declared order, transitions per event (in the',
    'order their guards are tried) with targets, guard and action names, invoked actors and delayed (`after`)',
    'transitions. `(inline)` marks a guard or action written inline in the machine, which has no name to show.',
    '',
    'In the diagrams an arrow is labelled with its event (`after <delay>` for timers, `always` for eventless',
    'transitions) and its guard in brackets. Transitions that only run actions, and those from the machine',
    'itself or into a state\'s own children, are listed in the table under each diagram.',
    '',
    'Each `<machine>.svg` is the same chart laid out by ELK (nested boxes for compound and parallel states,',
    'transitions that change state as labelled arrows), drawn by `server/inspector/chart.ts`: the renderer the',
    'dev server\'s `/inspect` page uses to highlight the active states of a running room live.',
  ];
  for (const { name, json } of charts) {
    const { diagram, plain } = renderMermaid(json);
    lines.push('', `## ${name}`, '', `Source: \`${json.source}\`, JSON: [\`${name}.json\`](./${name}.json), SVG: [\`${name}.svg\`](./${name}.svg).`, '', summaryOf(json.source));
    lines.push('', `![${name} statechart](./${name}.svg)`, '', '```mermaid', diagram, '```');
    if (plain.length > 0) lines.push('', ...plainTable(plain));
  }
  return `${lines.join('\n')}\n`;
}

const JSON_LINE_WIDTH = 110;

/**
 * JSON.stringify's layout, except that a value fitting on its line stays on one line: a transition reads
 * as `{ "target": ["#room.idle"], "actions": ["leaveLocally"] }` rather than eight lines.
 */
function compactJson(value: unknown, indent = '', lead = 0): string {
  const oneLine = JSON.stringify(value, null, 1)!.replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']');
  if (typeof value !== 'object' || value === null || indent.length + lead + oneLine.length <= JSON_LINE_WIDTH) return oneLine;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${inner}${compactJson(item, inner)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries
    .map(([key, item]) => {
      const prefix = `${JSON.stringify(key)}: `;
      return `${inner}${prefix}${compactJson(item, inner, prefix.length)}`;
    })
    .join(',\n')}\n${indent}}`;
}

/** Every file under statecharts/, keyed by its path from the repository root. */
export function generateStatecharts(): Record<string, string> {
  const charts = MACHINES.map(({ name, machine, source }) => ({ name, json: describeMachine(machine, source) }));
  const files: Record<string, string> = {};
  for (const { name, json } of charts) files[`statecharts/${name}.json`] = `${compactJson(json)}\n`;
  files['statecharts/README.md'] = renderReadme(charts);
  return files;
}

/** generateStatecharts() plus statecharts/<machine>.svg, laid out from the JSON it writes (ELK is async). */
export async function generateAllStatecharts(): Promise<Record<string, string>> {
  const files = generateStatecharts();
  for (const { name } of MACHINES) {
    const json = JSON.parse(files[`statecharts/${name}.json`]!) as MachineJson;
    files[`statecharts/${name}.svg`] = await renderChart(json);
  }
  return files;
}

export const STATECHARTS_DIR = 'statecharts';
export { repoRoot };
