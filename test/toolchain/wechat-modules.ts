// Loads a built mini-program's JS the way WeChat's module system does, not Node's: a relative require is a file
// of the project, a bare one is `miniprogram_npm/<name>` (what "build npm" wrote), and there is no
// node_modules and no Node built-in. So a page that only works because Node found something is caught here.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

type Definition = Record<string, unknown> & { data: Record<string, unknown> };

export class MiniprogramModules {
  private readonly cache = new Map<string, { exports: unknown }>();

  constructor(readonly root: string) {}

  /** Every file required so far (a live view). */
  loaded(): string[] {
    return [...this.cache.keys()];
  }

  /** A bare specifier as WeChat resolves it: miniprogram_npm/<pkg>/index.js, or <pkg>/<sub>.js. */
  private resolveBare(specifier: string): string {
    const base = join(this.root, 'miniprogram_npm', specifier);
    for (const file of [`${base}.js`, join(base, 'index.js')]) if (existsSync(file)) return file;
    throw new Error(`module '${specifier}' is not defined: no miniprogram_npm/${specifier} (was "build npm" run?)`);
  }

  private resolveRelative(from: string, specifier: string): string {
    const base = resolve(dirname(from), specifier);
    if (relative(this.root, base).startsWith('..')) throw new Error(`${specifier} leaves the mini-program`);
    for (const file of [base, `${base}.js`, join(base, 'index.js')]) if (existsSync(file) && file.endsWith('.js')) return file;
    throw new Error(`module '${relative(this.root, base)}' is not defined`);
  }

  require(file: string, globals: Record<string, unknown> = {}): unknown {
    const cached = this.cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    this.cache.set(file, module);
    const localRequire = (specifier: string) =>
      this.require(specifier.startsWith('.') ? this.resolveRelative(file, specifier) : this.resolveBare(specifier), globals);
    const names = Object.keys(globals);
    // The file's own scope, as WeChat's define() gives it: require, module, exports and the framework globals.
    const run = new Function('require', 'module', 'exports', ...names, `${readFileSync(file, 'utf8')}\n//# sourceURL=${file.split(sep).join('/')}`);
    run(localRequire, module, module.exports, ...names.map((name) => globals[name]));
    return module.exports;
  }

  /** The object pages/<name>/<name>.js hands to Page(). */
  pageDefinition(pagePath: string): Definition {
    let captured: Definition | null = null;
    this.require(join(this.root, `${pagePath}.js`), { Page: (definition: Definition) => (captured = definition) });
    if (!captured) throw new Error(`${pagePath}.js did not call Page()`);
    return captured;
  }
}
