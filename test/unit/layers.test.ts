// The layers of src/ depend one way only (docs/architecture.md): facade -> view -> machines -> services -> wx
// -> core. This reads every import of the shipped layers and fails on one that points up, so a type import
// that would tie a lower layer to a higher one is caught when it is written, not in a later redesign.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const src = join(__dirname, '..', '..', 'src');
/** Lower number = lower layer. A file may import its own layer or any below it. */
const LAYERS = { core: 0, wx: 1, services: 2, machines: 3, view: 4, facade: 5 } as const;
type Layer = keyof typeof LAYERS;
const isLayer = (name: string): name is Layer => name in LAYERS;

function layerOf(path: string): Layer | null {
  const rel = relative(src, path);
  const top = rel.split(/[\\/]/)[0] ?? '';
  if (isLayer(top)) return top;
  // inspect/ and testing/ are entries of their own, above everything.
  if (!rel.includes('/') && !rel.includes('\\')) return rel === 'index.ts' ? null : 'facade';
  return null;
}

function* filesUnder(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* filesUnder(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

test('every import in src/ points to its own layer or a lower one', () => {
  const upward: string[] = [];
  let checked = 0;
  for (const file of filesUnder(src)) {
    const from = layerOf(file);
    if (from === null) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = layerOf(normalize(join(dirname(file), match[1] ?? '')) + '.ts');
      checked += 1;
      if (target !== null && LAYERS[target] > LAYERS[from]) upward.push(`${relative(src, file)} (${from}) imports ${match[1]} (${target})`);
    }
  }
  expect(checked).toBeGreaterThan(50);
  expect(upward).toEqual([]);
});

test('the check sees an upward import when there is one', () => {
  // core/errors.ts importing the facade would be the worst case; the layer table must rank it upward.
  expect(layerOf(join(src, 'trtc.ts'))).toBe('facade');
  expect(layerOf(join(src, 'core', 'errors.ts'))).toBe('core');
  expect(LAYERS.facade).toBeGreaterThan(LAYERS.core);
  expect(layerOf(join(src, 'view', 'events.ts'))).toBe('view');
  expect(layerOf(join(src, 'testing', 'index.ts'))).toBeNull();
});
