// The /call page's files: its HTML and CSS from server/call/page/, the inspector's stylesheet (the same look,
// read from server/inspector/page/ rather than copied), 'wxrtc/web' as a plain script (wxrtc-web.js: the same
// build as dist/wxrtc-web.js, mpegts.js inside, the API on window.wxrtcWeb), and the page's own script (with
// 'wxrtc/inspect'), each bundled by esbuild on first request and cached. Everything is local: the page works
// offline, and a web app in development may load wxrtc-web.js from here too.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The page and everything under it. */
export const CALL_PAGE_PATH = '/call';

const PAGE_DIR = join(__dirname, 'page');
const INSPECTOR_CSS = join(__dirname, '..', 'inspector', 'page', 'inspector.css');
const REPO_ROOT = join(__dirname, '..', '..');

let bundle: Promise<string> | null = null;
let webBundle: Promise<string> | null = null;

/** 'wxrtc/web' for a <script> tag, as build.mjs makes dist/wxrtc-web.js: everything inside, `window.wxrtcWeb`. */
export function webScript(): Promise<string> {
  webBundle ??= (async () => {
    const { build } = await import('esbuild');
    const result = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [join(REPO_ROOT, 'src', 'web', 'index.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'wxrtcWeb',
      platform: 'browser',
      target: 'es2020',
      legalComments: 'none',
      logLevel: 'silent',
      minify: true,
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    return result.outputFiles[0]!.text;
  })();
  webBundle.catch(() => {
    webBundle = null;
  });
  return webBundle;
}

/**
 * The page script, built once per process. It takes 'wxrtc/web' from wxrtc-web.js (window.wxrtcWeb), as any
 * page with a <script> tag would; it bundles only itself and 'wxrtc/inspect'. @statelyai/inspect (behind 'wxrtc/inspect') reaches for Node's
 * WebSocket and a cloud client it never uses here; as in build.mjs, those imports are stubbed out.
 */
export function callScript(): Promise<string> {
  bundle ??= (async () => {
    const { build } = await import('esbuild');
    const stubs = new Map<string, string>([
      ['isomorphic-ws', 'export default undefined;'],
      ['partysocket', "export default class PartySocket { constructor() { throw new Error('partysocket is not bundled'); } }"],
      ['superjson', "export function stringify() { throw new Error('superjson is not bundled'); }"],
      ['#uuid', "export function uuid() { throw new Error('uuid is not bundled'); }"],
    ]);
    const result = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [join(PAGE_DIR, 'main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      legalComments: 'none',
      logLevel: 'silent',
      minify: true,
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [
        {
          name: 'stately-inspect-stubs',
          setup(builder) {
            builder.onResolve({ filter: /^(isomorphic-ws|partysocket|superjson|#uuid)$/ }, (args) =>
              /[\\/]@statelyai[\\/]inspect[\\/]/.test(args.importer) ? { path: args.path, namespace: 'stately-stub' } : undefined,
            );
            builder.onLoad({ filter: /.*/, namespace: 'stately-stub' }, (args) => ({ contents: stubs.get(args.path) ?? '', loader: 'js' }));
          },
        },
      ],
    });
    return result.outputFiles[0]!.text;
  })();
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}

/** A file of the page by its path under /call, or null for a path that is not one. */
export async function callAsset(rest: string): Promise<{ type: string; body: string | Buffer } | null> {
  switch (rest) {
    case '':
    case '/':
    case '/index.html':
      return { type: 'text/html; charset=utf-8', body: await readFile(join(PAGE_DIR, 'index.html')) };
    case '/call.css':
      return { type: 'text/css; charset=utf-8', body: await readFile(join(PAGE_DIR, 'call.css')) };
    case '/inspector.css':
      return { type: 'text/css; charset=utf-8', body: await readFile(INSPECTOR_CSS) };
    case '/call.js':
      return { type: 'text/javascript; charset=utf-8', body: await callScript() };
    case '/wxrtc-web.js':
      return { type: 'text/javascript; charset=utf-8', body: await webScript() };
    default:
      return null;
  }
}
