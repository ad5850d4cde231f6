// Taking a page's definition out of the file that registers it. A mini-program page file calls
// `Page({...})` and exports nothing; a test needs the object it passed, to make instances with createPage.
// A global `Page` captures it while the file runs, as WeChat's framework would receive it.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What a page file hands to `Page()`: its data and methods. */
export type PageDefinition = Record<string, unknown> & { data?: Record<string, unknown> };

/**
 * Run a page file with a global `Page` that captures its definition, and return the definition.
 *
 * `page` is a path (relative to the current directory, or absolute) of a CommonJS page file: it runs afresh
 * on each call, its own `require`s resolved by Node beside it, so its `require('wxrtc')` is the installed
 * package. Or a function that loads the file your own way — `() => require('./pages/call/call.js')` under
 * jest, so jest's module mapping applies; if it returns a promise (`() => import('./call.js')`), so does
 * this. Throws if the file never calls Page().
 *
 * @example
 * const page = createPage(loadPageDefinition('./pages/call/call.js'))
 */
export function loadPageDefinition(page: string | (() => unknown)): PageDefinition;
export function loadPageDefinition(page: () => Promise<unknown>): Promise<PageDefinition>;
export function loadPageDefinition(page: string | (() => unknown)): PageDefinition | Promise<PageDefinition> {
  const scope = globalThis as Record<string, unknown>;
  const previous = scope.Page;
  let captured: PageDefinition | null = null;
  const what = typeof page === 'string' ? page : 'the page file';
  const result = (): PageDefinition => {
    if (!captured) throw new Error(`${what} did not call Page()`);
    return captured;
  };
  scope.Page = (definition: PageDefinition) => {
    captured = definition;
  };
  let loading: unknown;
  try {
    if (typeof page === 'string') {
      const file = resolve(page);
      // Node's CommonJS wrapper around the file's own text, so the file runs on every call (a cached module
      // would not call Page() again) while what it requires resolves beside it and is shared as usual.
      const run = new Function('exports', 'require', 'module', '__filename', '__dirname', `${readFileSync(file, 'utf8')}\n//# sourceURL=${file}`);
      const module = { exports: {} };
      run(module.exports, createRequire(file), module, file, dirname(file));
    } else {
      loading = page();
    }
  } catch (error) {
    scope.Page = previous;
    throw error;
  }
  if (loading instanceof Promise) {
    return loading.then(
      () => {
        scope.Page = previous;
        return result();
      },
      (error: unknown) => {
        scope.Page = previous;
        throw error;
      },
    );
  }
  scope.Page = previous;
  return result();
}
