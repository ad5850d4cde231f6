// One statechart renderer for both the generated statecharts/*.svg and the live /inspect page: a
// statecharts/<machine>.json definition laid out by ELK (compound and parallel states as nested boxes,
// transitions as labelled edges) and written as an SVG string whose state groups carry stable
// data-state paths, so the page highlights active states by toggling a class. No DOM and no Node here.

import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkLabel, ElkNode, ElkPoint } from 'elkjs/lib/elk-api';

/** The parts of a statecharts/<machine>.json the chart reads (scripts/statechart-docs.ts writes more). */
export interface ChartTransition {
  target?: string[];
  guard?: string | { type: string };
}

export interface ChartState {
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial?: string;
  on?: Record<string, ChartTransition[]>;
  after?: Record<string, ChartTransition[]>;
  always?: ChartTransition[];
  states?: Record<string, ChartState>;
}

export interface ChartMachine extends ChartState {
  id: string;
}

/** Class names the SVG uses; the page toggles ACTIVE_CLASS on states and FIRED_CLASS on transitions. */
export const ACTIVE_CLASS = 'wxc-active';
export const FIRED_CLASS = 'wxc-fired';

// Text is measured without a DOM (the generator runs in Node), so the SVG uses a monospace font whose
// advance is a fixed fraction of its size and every label is sized from its character count.
const FONT_SIZE = 12;
const EDGE_FONT_SIZE = 11;
const CHAR_WIDTH = 0.6 * FONT_SIZE;
const EDGE_CHAR_WIDTH = 0.6 * EDGE_FONT_SIZE;
const ATOMIC_HEIGHT = 30;
const HEADER = 26;
const PAD = 12;
const INITIAL_SIZE = 10;
const INITIAL_SUFFIX = '/__initial';

/**
 * Options every compound state repeats: with INCLUDE_CHILDREN ELK reads cycle breaking per nested graph, and
 * depth-first from the declared order keeps a machine's first state on top (ELK's MODEL_ORDER breaker fails
 * on nested graphs).
 */
const NESTED_OPTIONS: Record<string, string> = {
  'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
};

const LAYOUT_OPTIONS: Record<string, string> = {
  ...NESTED_OPTIONS,
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  // Absolute coordinates for every shape and edge: no container offsets to add up while drawing.
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.edgeRouting': 'ORTHOGONAL',
  // Declared order first, so idle comes before active and a machine edit moves only what it touches.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeNode': '14',
  'elk.spacing.edgeEdge': '10',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.componentComponent': '24',
  'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
  'elk.randomSeed': '1',
};

interface StateBox {
  path: string;
  key: string;
  json: ChartState;
  depth: number;
}

interface Transition {
  id: string;
  source: string;
  target: string;
  event: string;
  label: string;
}

const round = (value: number | undefined): number => Math.round((value ?? 0) * 10) / 10;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function guardText(guard: ChartTransition['guard']): string {
  if (guard === undefined) return '';
  const text = typeof guard === 'string' ? guard : guard.type;
  return text === '(inline)' ? 'guarded' : text;
}

function triggersOf(json: ChartState): Array<{ event: string; label: string; transitions: ChartTransition[] }> {
  return [
    ...Object.entries(json.on ?? {}).map(([event, transitions]) => ({ event, label: event, transitions })),
    ...Object.entries(json.after ?? {}).map(([delay, transitions]) => ({ event: `xstate.after.${delay}`, label: `after ${delay}`, transitions })),
    ...(json.always ? [{ event: 'xstate.always', label: 'always', transitions: json.always }] : []),
  ];
}

/** Every state with its dotted path from the machine id (the machine itself included, depth 0). */
function statesOf(machine: ChartMachine): StateBox[] {
  const boxes: StateBox[] = [];
  const walk = (json: ChartState, path: string, key: string, depth: number) => {
    boxes.push({ path, key, json, depth });
    for (const [childKey, child] of Object.entries(json.states ?? {})) walk(child, `${path}.${childKey}`, childKey, depth + 1);
  };
  walk(machine, machine.id, machine.id, 0);
  return boxes;
}

/**
 * Transitions that move between states, one per (source, target, trigger): guards tried in turn for the
 * same arrow are listed side by side. Transitions that only run actions have no arrow to draw.
 */
function transitionsOf(boxes: StateBox[]): Transition[] {
  const known = new Set(boxes.map((b) => b.path));
  const byKey = new Map<string, Transition & { guards: string[]; unguarded: boolean; base: string }>();
  const order: string[] = [];
  for (const box of boxes) {
    for (const { event, label, transitions } of triggersOf(box.json)) {
      for (const transition of transitions) {
        for (const ref of transition.target ?? []) {
          const target = ref.startsWith('#') ? ref.slice(1) : ref;
          if (!known.has(target)) continue;
          const key = `${box.path} ${target} ${event}`;
          let edge = byKey.get(key);
          if (!edge) {
            edge = { id: '', source: box.path, target, event, label, base: label, guards: [], unguarded: false };
            byKey.set(key, edge);
            order.push(key);
          }
          const guard = guardText(transition.guard);
          if (guard === '') edge.unguarded = true;
          else if (!edge.guards.includes(guard)) edge.guards.push(guard);
        }
      }
    }
  }
  return order.map((key, index) => {
    const edge = byKey.get(key)!;
    const label = edge.unguarded || edge.guards.length === 0 ? edge.base : `${edge.base} [${edge.guards.join(', ')}]`;
    return { id: `t${index}`, source: edge.source, target: edge.target, event: edge.event, label };
  });
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('.');
  return at < 0 ? '' : path.slice(0, at);
}

/** The deepest state containing both ends: ELK wants an edge listed in that node. */
function commonContainer(source: string, target: string, root: string): string {
  const a = source.split('.');
  const b = target.split('.');
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  let container = a.slice(0, length).join('.');
  // An edge to itself or into its own descendants belongs to the state's parent.
  if (container === source || container === target) container = parentOf(container);
  return container === '' ? root : container;
}

function edgeLabel(text: string): ElkLabel {
  return { text, width: Math.ceil(text.length * EDGE_CHAR_WIDTH) + 6, height: EDGE_FONT_SIZE + 5 };
}

/** The ELK graph of a machine: the machine is the outermost box inside an unlabelled root. */
export function chartGraph(machine: ChartMachine): ElkNode {
  const boxes = statesOf(machine);
  const nodes = new Map<string, ElkNode>();
  const root: ElkNode = { id: '__root', layoutOptions: LAYOUT_OPTIONS, children: [], edges: [] };
  for (const box of boxes) {
    const labelWidth = Math.ceil(box.key.length * CHAR_WIDTH);
    const hasChildren = Object.keys(box.json.states ?? {}).length > 0;
    const node: ElkNode = hasChildren
      ? {
          id: box.path,
          children: [],
          edges: [],
          layoutOptions: {
            ...NESTED_OPTIONS,
            'elk.padding': `[top=${HEADER + 6},left=${PAD},bottom=${PAD},right=${PAD}]`,
            'elk.nodeSize.constraints': 'MINIMUM_SIZE',
            'elk.nodeSize.minimum': `(${labelWidth + 2 * PAD + 40},${HEADER + 2 * PAD})`,
          },
        }
      : { id: box.path, width: Math.max(labelWidth + 2 * PAD, 56), height: ATOMIC_HEIGHT };
    nodes.set(box.path, node);
    const parent = box.depth === 0 ? root : nodes.get(parentOf(box.path))!;
    parent.children!.push(node);
  }
  // The initial-state dot of each compound state, with its arrow to the initial child.
  for (const box of boxes) {
    if (box.json.type !== 'compound' || !box.json.initial) continue;
    const node = nodes.get(box.path)!;
    const dot = `${box.path}${INITIAL_SUFFIX}`;
    node.children!.unshift({ id: dot, width: INITIAL_SIZE, height: INITIAL_SIZE });
    node.edges!.push({ id: `${dot}/edge`, sources: [dot], targets: [`${box.path}.${box.json.initial}`] });
  }
  // Forward transitions (to a state declared later) should point down: a hint for the cycle breaker.
  const order = new Map(boxes.map((box, index) => [box.path, index]));
  for (const transition of transitionsOf(boxes)) {
    const container = commonContainer(transition.source, transition.target, machine.id);
    const edge: ElkExtendedEdge = { id: transition.id, sources: [transition.source], targets: [transition.target], labels: [edgeLabel(transition.label)] };
    if (order.get(transition.source)! < order.get(transition.target)!) edge.layoutOptions = { 'elk.layered.priority.direction': '10' };
    (nodes.get(container) ?? nodes.get(machine.id)!).edges!.push(edge);
  }
  return root;
}

// --- SVG -------------------------------------------------------------------------------------------------

const STYLE = `
.wxc-chart { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace; }
.wxc-state > rect { fill: #ffffff; stroke: #64748b; stroke-width: 1.2; }
.wxc-state.wxc-compound > rect { fill: #f8fafc; }
.wxc-state.wxc-parallel > rect { fill: #f1f5f9; stroke-dasharray: 6 3; }
.wxc-state.wxc-machine > rect { fill: #ffffff; stroke: #334155; stroke-width: 1.5; }
.wxc-state.wxc-final > rect { stroke-width: 3; stroke: #475569; }
.wxc-state > text { font-size: ${FONT_SIZE}px; fill: #0f172a; }
.wxc-state.wxc-active > rect { fill: #dbeafe; stroke: #2563eb; stroke-width: 2.5; }
.wxc-state.wxc-machine.wxc-active > rect { fill: #ffffff; }
.wxc-state.wxc-atomic.wxc-active > rect { fill: #2563eb; }
.wxc-state.wxc-atomic.wxc-active > text { fill: #ffffff; font-weight: bold; }
.wxc-initial { fill: #334155; }
.wxc-edge > path { fill: none; stroke: #94a3b8; stroke-width: 1.2; }
.wxc-edge > text { font-size: ${EDGE_FONT_SIZE}px; fill: #334155; }
.wxc-edge > rect { fill: #ffffff; fill-opacity: 0.85; }
.wxc-edge.wxc-fired > path { stroke: #f97316; stroke-width: 2.5; }
.wxc-edge.wxc-fired > text { fill: #c2410c; font-weight: bold; }
.wxc-init-edge > path { fill: none; stroke: #334155; stroke-width: 1.2; }
`;

function pointsOf(edge: ElkExtendedEdge): ElkPoint[] {
  const points: ElkPoint[] = [];
  for (const section of edge.sections ?? []) points.push(section.startPoint, ...(section.bendPoints ?? []), section.endPoint);
  return points;
}

function pathData(points: ElkPoint[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`).join(' ');
}

/** Every node and edge of the laid-out graph, parents before children (SVG paints in document order). */
function collect(node: ElkNode, nodes: ElkNode[], edges: ElkExtendedEdge[]): void {
  for (const child of node.children ?? []) {
    nodes.push(child);
    collect(child, nodes, edges);
  }
  edges.push(...(node.edges ?? []));
}

function stateClass(box: StateBox): string {
  if (box.depth === 0) return 'wxc-machine';
  if (box.json.type === 'parallel') return 'wxc-parallel';
  if (box.json.type === 'final') return 'wxc-final';
  return Object.keys(box.json.states ?? {}).length > 0 ? 'wxc-compound' : 'wxc-atomic';
}

function svgOf(machine: ChartMachine, laidOut: ElkNode, transitions: Map<string, Transition>): string {
  const boxes = new Map(statesOf(machine).map((box) => [box.path, box]));
  const nodes: ElkNode[] = [];
  const edges: ElkExtendedEdge[] = [];
  collect(laidOut, nodes, edges);
  const width = round((laidOut.width ?? 0) + 2);
  const height = round((laidOut.height ?? 0) + 2);
  const marker = `wxc-arrow-${machine.id}`;
  const lines: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="wxc-chart" data-machine="${escapeXml(machine.id)}" width="${width}" height="${height}" viewBox="-1 -1 ${width} ${height}">`,
    `<style>${STYLE}</style>`,
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#64748b"/></marker></defs>`,
    `<rect x="-1" y="-1" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (const node of nodes) {
    const box = boxes.get(node.id);
    if (!box) {
      if (node.id.endsWith(INITIAL_SUFFIX)) {
        const r = round((node.width ?? INITIAL_SIZE) / 2);
        lines.push(`<circle class="wxc-initial" cx="${round((node.x ?? 0) + r)}" cy="${round((node.y ?? 0) + r)}" r="${r}"/>`);
      }
      continue;
    }
    const x = round(node.x);
    const y = round(node.y);
    const atomic = (node.children ?? []).length === 0;
    const textY = atomic ? round(y + (node.height ?? ATOMIC_HEIGHT) / 2 + FONT_SIZE * 0.35) : round(y + HEADER * 0.7);
    const textX = atomic ? round(x + (node.width ?? 0) / 2) : round(x + PAD);
    const anchor = atomic ? ' text-anchor="middle"' : '';
    lines.push(
      `<g class="wxc-state ${stateClass(box)}" data-state="${escapeXml(box.path)}">` +
        `<rect x="${x}" y="${y}" width="${round(node.width)}" height="${round(node.height)}" rx="${atomic ? 6 : 8}"/>` +
        `<text x="${textX}" y="${textY}"${anchor}>${escapeXml(box.key)}</text></g>`,
    );
  }
  for (const edge of edges) {
    const points = pointsOf(edge);
    if (points.length < 2) continue;
    const transition = transitions.get(edge.id);
    if (!transition) {
      lines.push(`<g class="wxc-init-edge"><path d="${pathData(points)}" marker-end="url(#${marker})"/></g>`);
      continue;
    }
    const label = edge.labels?.[0];
    const parts = [`<path d="${pathData(points)}" marker-end="url(#${marker})"/>`];
    if (label) {
      const lx = round(label.x);
      const ly = round(label.y);
      parts.push(`<rect x="${lx}" y="${ly}" width="${round(label.width)}" height="${round(label.height)}" rx="2"/>`);
      parts.push(`<text x="${round(lx + 3)}" y="${round(ly + EDGE_FONT_SIZE)}">${escapeXml(transition.label)}</text>`);
    }
    lines.push(
      `<g class="wxc-edge" data-transition="${transition.id}" data-event="${escapeXml(transition.event)}" data-source="${escapeXml(transition.source)}" data-target="${escapeXml(transition.target)}">${parts.join('')}</g>`,
    );
  }
  lines.push('</svg>');
  return `${lines.join('\n')}\n`;
}

export interface ChartLayout {
  layout(graph: ElkNode): Promise<ElkNode>;
}

let sharedElk: ChartLayout | null = null;

/** Lay out and draw one machine. Deterministic: the same JSON gives the same SVG, byte for byte. */
export async function renderChart(machine: ChartMachine, elk?: ChartLayout): Promise<string> {
  const engine = elk ?? (sharedElk ??= new ELK());
  const graph = chartGraph(machine);
  const laidOut = await engine.layout(graph);
  const transitions = new Map(transitionsOf(statesOf(machine)).map((t) => [t.id, t]));
  return svgOf(machine, laidOut, transitions);
}

/**
 * The state paths a snapshot value makes active, machine id first: 'room', 'room.active',
 * 'room.active.inRoom', 'room.active.inRoom.connection', 'room.active.inRoom.connection.connected', ...
 */
export function activePaths(machineId: string, value: unknown): string[] {
  const paths = [machineId];
  const walk = (prefix: string, node: unknown) => {
    if (typeof node === 'string') {
      paths.push(`${prefix}.${node}`);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      paths.push(`${prefix}.${key}`);
      walk(`${prefix}.${key}`, child);
    }
  };
  walk(machineId, value);
  return paths;
}
