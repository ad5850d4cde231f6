// The /inspect page's files: HTML and CSS from server/inspector/page/, the TypeScript page (with the chart
// renderer and elkjs) bundled by esbuild on first request and cached, and the machine JSON from statecharts/.
// Everything is local, so the page works with no internet.

import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ErrorCode } from '../../src/core/errors';

/** The page and everything under it. */
export const INSPECT_PAGE_PATH = '/inspect';

const PAGE_DIR = join(__dirname, 'page');
const REPO_ROOT = join(__dirname, '..', '..');
const CHARTS_DIR = join(REPO_ROOT, 'statecharts');
const CHART_NAME = /^[a-z][a-z0-9-]*$/;

let bundle: Promise<string> | null = null;

/** The page script, built once per process (about a second, mostly elkjs). */
export function pageScript(): Promise<string> {
  bundle ??= (async () => {
    const { build } = await import('esbuild');
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
      // elkjs's bundled build looks for a Node worker_threads fallback it never uses in a browser.
      external: ['web-worker'],
    });
    return result.outputFiles[0]!.text;
  })();
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}

/** Machine names with a chart in statecharts/ (room, pusher, player). */
export async function chartNames(): Promise<string[]> {
  const files = await readdir(CHARTS_DIR);
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((name) => CHART_NAME.test(name))
    .sort();
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** Serve GET /inspect and its files; false when `path` is not the inspector's. */
export async function serveInspectorAsset(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (path !== INSPECT_PAGE_PATH && !path.startsWith(`${INSPECT_PAGE_PATH}/`)) return false;
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    return true;
  }
  const rest = path.slice(INSPECT_PAGE_PATH.length);
  try {
    if (rest === '' || rest === '/' || rest === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', await readFile(join(PAGE_DIR, 'index.html')));
    } else if (rest === '/stately' || rest === '/stately.html') {
      send(res, 200, 'text/html; charset=utf-8', await readFile(join(PAGE_DIR, 'stately.html')));
    } else if (rest === '/inspector.css') {
      send(res, 200, 'text/css; charset=utf-8', await readFile(join(PAGE_DIR, 'inspector.css')));
    } else if (rest === '/inspector.js') {
      send(res, 200, 'text/javascript; charset=utf-8', await pageScript());
    } else if (rest === '/charts') {
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ charts: await chartNames() }));
    } else if (rest.startsWith('/charts/') && rest.endsWith('.json') && CHART_NAME.test(rest.slice('/charts/'.length, -'.json'.length))) {
      const name = rest.slice('/charts/'.length, -'.json'.length);
      if (!(await chartNames()).includes(name)) send(res, 404, 'text/plain; charset=utf-8', `no chart ${name}`);
      else send(res, 200, 'application/json; charset=utf-8', await readFile(join(CHARTS_DIR, `${name}.json`)));
    } else {
      // Like every unknown path on the dev server: JSON with ROUTE_NOT_FOUND (8042), the path cut short.
      send(res, 404, 'application/json; charset=utf-8', JSON.stringify({ error: { code: ErrorCode.ROUTE_NOT_FOUND, message: `no inspector file ${rest.slice(0, 200)}` } }));
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `inspector: ${message}`);
  }
  return true;
}
