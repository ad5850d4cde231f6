// statecharts/ must be exactly what the machines generate, and the charts must have the shape the design
// names (room regions, pusher regions, player states), so a machine edit never leaves stale diagrams.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAllStatecharts, generateStatecharts, repoRoot, STATECHARTS_DIR, type MachineJson, type StateJson } from '../scripts/statechart-docs';

// The SVGs need ELK's (asynchronous) layout; everything else is generated synchronously.
let generated: Record<string, string> = generateStatecharts();
beforeAll(async () => {
  generated = await generateAllStatecharts();
}, 60_000);
const REGENERATE = 'statecharts/ is out of date with src/machines: run `npm run statecharts` and commit the result';

function chart(name: string): MachineJson {
  return JSON.parse(generated[`statecharts/${name}.json`]!) as MachineJson;
}

function child(state: StateJson, ...path: string[]): StateJson {
  let node = state;
  for (const key of path) {
    const next = node.states?.[key];
    if (!next) throw new Error(`no state ${path.join('.')}`);
    node = next;
  }
  return node;
}

const keysOf = (state: StateJson) => Object.keys(state.states ?? {});

test('every generated file is on disk, unchanged', () => {
  const stale: string[] = [];
  for (const [path, content] of Object.entries(generated)) {
    const file = join(repoRoot, path);
    if (!existsSync(file)) stale.push(`${path} is missing`);
    else if (readFileSync(file, 'utf8') !== content) stale.push(`${path} differs`);
  }
  if (stale.length > 0) throw new Error(`${REGENERATE}\n  ${stale.join('\n  ')}`);
});

test('statecharts/ holds nothing the generator does not write', () => {
  const extra = readdirSync(join(repoRoot, STATECHARTS_DIR))
    .map((name) => `${STATECHARTS_DIR}/${name}`)
    .filter((path) => !(path in generated));
  if (extra.length > 0) throw new Error(`${REGENERATE}\n  not generated: ${extra.join(', ')}`);
});

test('generation is deterministic, ELK layouts included', async () => {
  expect(await generateAllStatecharts()).toEqual(generated);
}, 60_000);

test('one SVG per machine, linked from the README', () => {
  for (const name of ['room', 'pusher', 'player']) {
    expect(generated[`statecharts/${name}.svg`]).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(generated['statecharts/README.md']).toContain(`](./${name}.svg)`);
  }
});

test('room: idle, active (entering, inRoom, exiting), kicked; inRoom runs four regions in parallel', () => {
  const room = chart('room');
  expect(room.initial).toBe('idle');
  expect(keysOf(room)).toEqual(expect.arrayContaining(['idle', 'active', 'kicked']));
  expect(keysOf(child(room, 'active'))).toEqual(expect.arrayContaining(['entering', 'inRoom', 'exiting']));
  const inRoom = child(room, 'active', 'inRoom');
  expect(inRoom.type).toBe('parallel');
  expect(keysOf(inRoom)).toEqual(expect.arrayContaining(['connection', 'publication', 'players', 'visibility']));
});

test('pusher: stream, bgm and preview regions', () => {
  const pusher = chart('pusher');
  expect(pusher.type).toBe('parallel');
  expect(keysOf(pusher)).toEqual(expect.arrayContaining(['stream', 'bgm', 'preview']));
});

test('player: idle, loading, playing, failed', () => {
  const player = chart('player');
  expect(player.initial).toBe('idle');
  expect(keysOf(player)).toEqual(expect.arrayContaining(['idle', 'loading', 'playing', 'failed']));
});

test('the README has one Mermaid state diagram per machine, parallel regions separated by --', () => {
  const readme = generated['statecharts/README.md']!;
  const diagrams = [...readme.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(diagrams).toHaveLength(3);
  for (const diagram of diagrams) expect(diagram.startsWith('stateDiagram-v2\n')).toBe(true);
  const [room, pusher] = diagrams;
  expect(room).toMatch(/state inRoom \{[\s\S]*state connection \{[\s\S]*\n\s+--\n[\s\S]*state publication \{/);
  expect(pusher).toMatch(/state pusher \{[\s\S]*state stream \{[\s\S]*\n\s+--\n[\s\S]*state bgm \{/);
  expect(room).toMatch(/idle --> active : ENTER_ROOM/);
  expect(readme).toMatch(/npm run statecharts/);
});
