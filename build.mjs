// Builds every shipped artifact (npm ESM/CJS + types, the drop-in dist/trtc-wx.js, miniprogram_dist/) with
// esbuild, then proves the SDK bundles hold nothing test- or server-only and that the drop-in file works.

import { build, transform } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const at = (...parts) => join(root, ...parts);

/** Inputs that must never reach a bundle a mini-program or an npm user runs. */
const FORBIDDEN_INPUTS = [/^src\/testing\//, /^server\//, /^test\//, /^scripts\//, /^bench\//, /^example\//, /^node_modules\/ws\//];

/**
 * The inspector ('wxrtc/inspect') is opt-in: only its own bundles may hold it or @statelyai/inspect, so the SDK
 * bundles (dist/trtc-wx.js above all) stay the same size whether or not anyone inspects.
 */
const INSPECT_ONLY_INPUTS = [/^src\/inspect\//, /^node_modules\/@statelyai\//, /^node_modules\/safe-stable-stringify\//];
const isInspectBundle = (output) => /(^|\/)inspect(-node)?\.js$/.test(output);

/**
 * The browser entry ('wxrtc/web') and mpegts.js, which it bundles, belong to its own outputs only: a mini-program
 * has no DOM, MediaSource or MediaRecorder, and must not carry a video player it cannot run.
 */
const WEB_ONLY_INPUTS = [/^src\/web\//, /^node_modules\/mpegts\.js\//, /^node_modules\/es6-promise\//, /^node_modules\/webworkify-webpack\//];
const isWebBundle = (output) => /(^|\/)(web|wxrtc-web)\.js$/.test(output);

/**
 * @statelyai/inspect's index also carries its browser-window, cloud (partysocket, superjson) and Node
 * WebSocket (isomorphic-ws -> ws) adapters; the inspect entry only calls createInspector, so those imports
 * are stubbed: no bundle reaches `ws`, and a mini-program does not carry code it cannot run.
 */
const STATELY_STUBS = {
  'isomorphic-ws': 'export default undefined;',
  partysocket: "export default class PartySocket { constructor() { throw new Error('wxrtc/inspect: partysocket is not bundled'); } }",
  superjson: "export function stringify() { throw new Error('wxrtc/inspect: superjson is not bundled'); }",
  '#uuid': "export function uuid() { throw new Error('wxrtc/inspect: uuid is not bundled'); }",
};
const statelyInspectStubs = {
  name: 'stately-inspect-stubs',
  setup(builder) {
    builder.onResolve({ filter: /^(isomorphic-ws|partysocket|superjson|#uuid)$/ }, (args) =>
      /[\\/]@statelyai[\\/]inspect[\\/]/.test(args.importer) ? { path: args.path, namespace: 'stately-stub' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'stately-stub' }, (args) => ({ contents: STATELY_STUBS[args.path], loader: 'js' }));
  },
};

/**
 * What runs inside WeChat: ES2018 (object spread is native there on every client WeChat 8 supports, iOS 12+ and
 * Android 7+; lowering it to es2017 made each attribute copy ~30x slower, BENCHMARKS.md). `module` picks
 * xstate's ESM build, which tree-shakes ~12 KB better than its CommonJS one.
 */
const MINIPROGRAM = { target: 'es2018', conditions: ['module'] };

/**
 * Only Node-side users have `ws` and Node's built-ins (the testing entry spawns ffmpeg); the mini-program
 * builds must fail rather than silently bundle them.
 */
const NPM_EXTERNALS = ['xstate', 'ws', 'node:*'];

const common = {
  absWorkingDir: root,
  bundle: true,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  // Some dependencies branch on NODE_ENV; a mini-program has no `process` at all.
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [statelyInspectStubs],
};

async function buildNpm() {
  const entryPoints = { index: 'src/index.ts', statecharts: 'src/statecharts.ts', testing: 'src/testing/index.ts', inspect: 'src/inspect/index.ts', 'inspect-node': 'src/inspect/node.ts' };
  const esm = await build({
    ...common,
    entryPoints,
    outdir: 'dist/esm',
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2020',
    external: NPM_EXTERNALS,
    sourcemap: true,
  });
  // The package is not "type": "module", so Node needs telling that these .js files are ESM.
  writeFileSync(at('dist/esm/package.json'), '{ "type": "module" }\n');
  const cjs = await build({
    ...common,
    entryPoints,
    outdir: 'dist/cjs',
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2020',
    external: NPM_EXTERNALS,
    sourcemap: true,
  });
  return [esm, cjs];
}

/**
 * 'wxrtc/web' for bundlers (dist/esm/web.js: ESM, xstate external as for the other npm entries, mpegts.js
 * inside), and dist/wxrtc-web.js for a plain <script> tag: everything inside, the API on `window.wxrtcWeb`.
 * mpegts.js is a devDependency on purpose: WeChat's "build npm" packs `dependencies` into the mini-program.
 */
async function buildWeb() {
  // No source maps: mpegts.js's alone are 3 MB, more than every other file of the package together.
  const web = { ...common, platform: 'browser', target: 'es2020', sourcemap: false };
  const esm = await build({ ...web, entryPoints: { web: 'src/web/index.ts' }, outdir: 'dist/esm', format: 'esm', external: ['xstate'] });
  const script = await build({ ...web, entryPoints: ['src/web/index.ts'], outfile: 'dist/wxrtc-web.js', format: 'iife', globalName: 'wxrtcWeb', minify: true });
  return [esm, script];
}

async function buildDropIn() {
  // A CommonJS entry so that module.exports is the class itself: WeChat compiles `import TRTC from
  // './trtc-wx.js'` to babel's interop default, which yields module.exports when it has no __esModule.
  return build({
    ...common,
    stdin: { contents: "module.exports = require('./src/trtc.ts').TRTC;\n", resolveDir: root, sourcefile: 'trtc-wx-entry.js', loader: 'js' },
    outfile: 'dist/trtc-wx.js',
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    ...MINIPROGRAM,
    minify: true,
  });
}

async function buildMiniprogram() {
  // xstate is inlined so WeChat's "build npm" needs nothing else. Minified and without a sourcemap: "build
  // npm" copies the folder as it is into the mini-program, whose package has a size limit (2 MB).
  // require('wxrtc/statecharts') in a page resolves to miniprogram_npm/wxrtc/statecharts.js. Each CommonJS
  // bundle inlines what it imports, and "build npm" copies every file into the package whether a page uses it
  // or not, so statecharts.js does not carry a second copy of the machines and xstate: index.js carries the
  // statechart API under a private name and statecharts.js hands it out.
  const facade = await build({
    ...common,
    stdin: {
      contents: "export * from './src/index.ts';\nexport { default } from './src/index.ts';\nexport * as __statecharts from './src/statecharts.ts';\n",
      resolveDir: root,
      sourcefile: 'miniprogram-index.js',
      loader: 'js',
    },
    outfile: 'miniprogram_dist/index.js',
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    ...MINIPROGRAM,
    minify: true,
    sourcemap: false,
  });
  const inspect = await build({
    ...common,
    // require('wxrtc/inspect') in a page resolves to miniprogram_npm/wxrtc/inspect.js.
    entryPoints: { inspect: 'src/inspect/index.ts' },
    outdir: 'miniprogram_dist',
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    ...MINIPROGRAM,
    minify: true,
    sourcemap: false,
  });
  writeFileSync(at('miniprogram_dist/statecharts.js'), "module.exports = require('./index.js').__statecharts;\n");
  return [facade, inspect];
}

/** Declarations: the SDK with the mini-program typings, the Node-side testing entry with @types/node, the web entry with the DOM. */
function buildTypes() {
  for (const project of ['tsconfig.build.json', 'tsconfig.build.testing.json', 'tsconfig.build.web.json']) {
    const result = spawnSync(at('node_modules/.bin/tsc'), ['-p', project], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`tsc -p ${project} failed (exit ${result.status})`);
  }
}

/**
 * dist/types is CommonJS-format (the package is not "type": "module"), right for `require`. For `import`,
 * TypeScript under module nodenext/node16 takes a CommonJS declaration's `export default` as module.exports,
 * so `import TRTC from 'wxrtc'` would not be the class (the types would "masquerade as CJS"). dist/types-esm is
 * the same declarations as ESM: its own {"type": "module"}, and relative specifiers with the `.js` that ESM
 * resolution requires (the sources import without extensions, as moduleResolution bundler allows).
 */
function buildEsmTypes() {
  const from = at('dist/types');
  const to = at('dist/types-esm');
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
  for (const file of walk(from).filter((f) => f.endsWith('.d.ts'))) {
    const rewrite = (whole, lead, quote, specifier) => {
      if (specifier.endsWith('.js')) return whole;
      const base = join(dirname(file), specifier);
      if (existsSync(`${base}.d.ts`)) return `${lead}${quote}${specifier}.js${quote}`;
      if (existsSync(join(base, 'index.d.ts'))) return `${lead}${quote}${specifier}/index.js${quote}`;
      throw new Error(`${relative(root, file)}: cannot resolve ${specifier} for the ESM declarations`);
    };
    // Doc comments keep their examples as written: only code lines are rewritten.
    const code = readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => (/^\s*(\*|\/\/|\/\*)/.test(line) ? line : line.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]*)\2/g, rewrite)))
      .join('\n');
    const target = join(to, relative(from, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  writeFileSync(join(to, 'package.json'), '{ "type": "module" }\n');
}

/** Every output that belongs to the SDK (not the testing entry) with the inputs esbuild put into it. */
function sdkBundleInputs(results) {
  const bundles = {};
  for (const result of results) {
    for (const [output, meta] of Object.entries(result.metafile.outputs)) {
      if (!output.endsWith('.js') || /(^|\/)testing\.js$/.test(output)) continue;
      bundles[output] = Object.keys(meta.inputs).sort();
    }
  }
  return bundles;
}

function forbiddenInputsIn(bundles) {
  const offences = [];
  for (const [output, inputs] of Object.entries(bundles)) {
    for (const input of inputs) if (FORBIDDEN_INPUTS.some((pattern) => pattern.test(input))) offences.push(`${output} <- ${input}`);
    if (!isWebBundle(output)) {
      for (const input of inputs) if (WEB_ONLY_INPUTS.some((pattern) => pattern.test(input))) offences.push(`${output} <- ${input} (browser code outside 'wxrtc/web')`);
    }
    if (isInspectBundle(output)) continue;
    for (const input of inputs) if (INSPECT_ONLY_INPUTS.some((pattern) => pattern.test(input))) offences.push(`${output} <- ${input} (inspector code outside 'wxrtc/inspect')`);
  }
  return offences;
}

/** Load the drop-in file and the npm build the way a page and a Node user would, with the headless wx. */
function smokeTest() {
  const require = createRequire(import.meta.url);
  const { installWx, createPage } = require(at('dist/cjs/testing.js'));
  const TRTC = require(at('dist/trtc-wx.js'));
  if (typeof TRTC !== 'function' || typeof TRTC.EVENT?.LOCAL_JOIN !== 'string') throw new Error('dist/trtc-wx.js: module.exports is not the TRTC class');
  const { uninstall } = installWx();
  try {
    const trtc = new TRTC(createPage({}), { env: 'test' });
    trtc.createPusher({});
    const pusher = trtc.enterRoom({ sdkAppID: 1400000001, userID: 'smoke', userSig: 'sig', roomID: 1 });
    if (!String(pusher.url).startsWith('room://cloud.tencent.com/rtc?')) throw new Error(`dist/trtc-wx.js: enterRoom gave url ${pusher.url}`);
    trtc.exitRoom();
    trtc.destroy();
  } finally {
    uninstall();
  }
  const miniprogram = require(at('miniprogram_dist/index.js'));
  if (!miniprogram.__esModule || miniprogram.default !== miniprogram.TRTC || typeof miniprogram.default?.EVENT !== 'object') {
    throw new Error('miniprogram_dist/index.js: default export is not TRTC');
  }
  for (const file of ['dist/cjs/statecharts.js', 'miniprogram_dist/statecharts.js']) {
    const statecharts = require(at(file));
    if (typeof statecharts.createActor !== 'function' || typeof statecharts.roomMachine?.provide !== 'function') throw new Error(`${file}: no statechart API`);
  }
  for (const file of ['dist/cjs/inspect.js', 'dist/cjs/inspect-node.js', 'miniprogram_dist/inspect.js']) {
    if (typeof require(at(file)).createInspector !== 'function') throw new Error(`${file}: no createInspector export`);
  }
}

async function sizeRow(file) {
  const code = readFileSync(at(file), 'utf8');
  const minified = (await transform(code, { minify: true, target: MINIPROGRAM.target, format: 'cjs', legalComments: 'none' })).code;
  return { file, raw: Buffer.byteLength(code), minified: Buffer.byteLength(minified), gzip: gzipSync(minified, { level: 9 }).length };
}

function printSizes(rows) {
  const header = ['bundle', 'raw bytes', 'minified', 'min+gzip'];
  const lines = [header, ...rows.map((r) => [r.file, String(r.raw), String(r.minified), String(r.gzip)])];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const format = (l) => l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log([format(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(format)].join('\n'));
}

async function main() {
  const started = Date.now();
  rmSync(at('dist'), { recursive: true, force: true });
  rmSync(at('miniprogram_dist'), { recursive: true, force: true });
  mkdirSync(at('dist'), { recursive: true });

  const results = [...(await buildNpm()), await buildDropIn(), ...(await buildMiniprogram()), ...(await buildWeb())];
  const bundles = sdkBundleInputs(results);
  // Kept for test/build.test.ts, which checks the same property without rebuilding.
  writeFileSync(at('dist/bundle-inputs.json'), JSON.stringify(bundles, null, 2) + '\n');
  const offences = forbiddenInputsIn(bundles);
  if (offences.length > 0) throw new Error(`test-only or server-only code in an SDK bundle:\n  ${offences.join('\n  ')}`);

  buildTypes();
  buildEsmTypes();
  smokeTest();
  printSizes([await sizeRow('dist/trtc-wx.js'), await sizeRow('miniprogram_dist/index.js'), await sizeRow('miniprogram_dist/inspect.js'), await sizeRow('dist/wxrtc-web.js')]);
  const outputs = results.flatMap((r) => Object.keys(r.metafile.outputs)).filter((o) => !o.endsWith('.map'));
  console.log(`built ${outputs.map((o) => relative('.', o)).join(', ')} and dist/types in ${Date.now() - started} ms`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
