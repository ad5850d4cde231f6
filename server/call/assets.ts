// The /call page's files: its HTML and CSS from server/call/page/, the inspector's stylesheet (the same look,
// read from server/inspector/page/ rather than copied), and the page script with 'wxrtc/web' and mpegts.js
// inside, bundled by esbuild on first request and cached. Everything is local: the page works offline.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The page and everything under it. */
export const CALL_PAGE_PATH = '/call';

const PAGE_DIR = join(__dirname, 'page');
const INSPECTOR_CSS = join(__dirname, '..', 'inspector', 'page', 'inspector.css');
const REPO_ROOT = join(__dirname, '..', '..');

let bundle: Promise<string> | null = null;

/**
 * The page script, built once per process. @statelyai/inspect (behind 'wxrtc/inspect') reaches for Node's
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
    default:
      return null;
  }
}
