// The chart renderer shared by statecharts/*.svg and the /inspect page: every state is a box with its
// dotted path, every transition that changes state an arrow, the layout is deterministic, and a snapshot
// value maps to the paths the page lights.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activePaths, chartGraph, renderChart, type ChartMachine, type ChartState } from '../../server/inspector/chart';

const root = join(__dirname, '..', '..');
const load = (name: string) => JSON.parse(readFileSync(join(root, 'statecharts', `${name}.json`), 'utf8')) as ChartMachine;

function paths(machine: ChartMachine): string[] {
  const out: string[] = [];
  const walk = (state: ChartState, path: string) => {
    out.push(path);
    for (const [key, child] of Object.entries(state.states ?? {})) walk(child, `${path}.${key}`);
  };
  walk(machine, machine.id);
  return out;
}

function targetedTransitions(machine: ChartMachine): Array<{ source: string; target: string; event: string }> {
  const out: Array<{ source: string; target: string; event: string }> = [];
  const walk = (state: ChartState, path: string) => {
    for (const [event, list] of Object.entries(state.on ?? {})) for (const t of list) for (const target of t.target ?? []) out.push({ source: path, target: target.slice(1), event });
    for (const [delay, list] of Object.entries(state.after ?? {})) for (const t of list) for (const target of t.target ?? []) out.push({ source: path, target: target.slice(1), event: `xstate.after.${delay}` });
    for (const t of state.always ?? []) for (const target of t.target ?? []) out.push({ source: path, target: target.slice(1), event: 'xstate.always' });
    for (const [key, child] of Object.entries(state.states ?? {})) walk(child, `${path}.${key}`);
  };
  walk(machine, machine.id);
  return out;
}

const attributes = (svg: string, name: string) => [...svg.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);

describe.each(['room', 'pusher', 'player'])('%s chart', (name) => {
  let svg = '';
  const machine = load(name);
  beforeAll(async () => {
    svg = await renderChart(machine);
  }, 30_000);

  test('one box per state, carrying its dotted path', () => {
    expect(attributes(svg, 'data-state').sort()).toEqual(paths(machine).sort());
  });

  test('one arrow per (source, target, event) of the transitions that change state', () => {
    const drawn = new Set(
      [...svg.matchAll(/data-event="([^"]*)" data-source="([^"]*)" data-target="([^"]*)"/g)].map((m) => `${m[2]} ${m[3]} ${m[1]}`),
    );
    const expected = new Set(targetedTransitions(machine).map((t) => `${t.source} ${t.target} ${t.event}`));
    expect([...drawn].sort()).toEqual([...expected].sort());
  });

  // test/statecharts.test.ts checks statecharts/<name>.svg against this output.
  test('the layout is deterministic', async () => {
    expect(await renderChart(load(name))).toBe(svg);
  });

  test('a well-formed SVG: balanced groups, escaped text, a viewBox', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g /g)!.length).toBe(svg.match(/<\/g>/g)!.length);
    expect(svg).toMatch(/viewBox="-1 -1 \d+(\.\d)? \d+(\.\d)?"/);
    // Guards in labels keep their brackets; nothing unescaped slips into text.
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
  });
});

test('the ELK graph nests compound and parallel states and draws an initial dot per compound state', () => {
  const graph = chartGraph(load('room'));
  const roomNode = graph.children![0]!;
  expect(roomNode.id).toBe('room');
  const active = roomNode.children!.find((c) => c.id === 'room.active')!;
  const inRoom = active.children!.find((c) => c.id === 'room.active.inRoom')!;
  expect(inRoom.children!.map((c) => c.id)).toEqual(expect.arrayContaining(['room.active.inRoom.connection', 'room.active.inRoom.publication', 'room.active.inRoom.players', 'room.active.inRoom.visibility']));
  // A parallel state has no initial dot: all its regions are entered.
  expect(inRoom.children!.some((c) => c.id.endsWith('/__initial'))).toBe(false);
  expect(active.children!.some((c) => c.id === 'room.active/__initial')).toBe(true);
});

test('activePaths turns a snapshot value into the state paths to light', () => {
  expect(activePaths('room', 'idle')).toEqual(['room', 'room.idle']);
  expect(activePaths('room', { active: { inRoom: { connection: 'connected', publication: 'published' } } })).toEqual([
    'room',
    'room.active',
    'room.active.inRoom',
    'room.active.inRoom.connection',
    'room.active.inRoom.connection.connected',
    'room.active.inRoom.publication',
    'room.active.inRoom.publication.published',
  ]);
  expect(activePaths('player', undefined)).toEqual(['player']);
});
