// WXML as WeChat compiles and renders it: wcc (miniprogram-compiler, WeChat's own WXML compiler) turns a
// project's pages into render functions, which are run on a page's real data. What comes out is the virtual
// tree the view layer would build, so a typo shows as what it breaks: a syntax error fails to compile, a
// misspelt data path renders empty, a misspelt handler names no method of the page.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { toolchainPath } from './install';

export interface WxmlNode {
  tag: string;
  attr?: Record<string, unknown>;
  children?: Array<WxmlNode | string>;
}

type RenderFunction = (data: object, options: object, global: object) => WxmlNode;
type Gwx = (path: string) => RenderFunction | undefined;

/** Compile every page app.json lists, as DevTools does; throws wcc's message on a WXML syntax error. */
export function compilePages(projectRoot: string): (page: string) => RenderFunction {
  const { wxmlToJs } = require(toolchainPath('miniprogram-compiler')) as { wxmlToJs(root: string, options: object): string };
  const pages = (JSON.parse(readFileSync(join(projectRoot, 'app.json'), 'utf8')) as { pages: string[] }).pages;
  const code = wxmlToJs(projectRoot, { wxmlList: pages.map((page) => `${page}.wxml`), wxsList: [] });
  // The generated code writes to `window` (the view layer's global); a context of its own keeps it off jest's.
  const sandbox: Record<string, unknown> = {};
  sandbox.window = sandbox;
  createContext(sandbox);
  const gwx = (runInContext(`(function (global) {${code}\n})`, sandbox) as (global: object) => Gwx)(sandbox);
  return (page) => {
    const render = gwx(`${page}.wxml`);
    if (!render) throw new Error(`wcc produced no render function for ${page}.wxml`);
    return render;
  };
}

/** Render with `data`, recording which top-level data names the WXML read. */
export function render(renderPage: RenderFunction, data: Record<string, unknown>): { tree: WxmlNode; roots: string[] } {
  const roots = new Set<string>();
  const watched = new Proxy(data, {
    get(target, key) {
      if (typeof key === 'string') roots.add(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === 'string') roots.add(key);
      return Reflect.has(target, key);
    },
    // env.hasOwnProperty(name), which the generated code asks before it reads a name.
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string') roots.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  const tree = renderPage(watched, {}, {});
  // The method itself (env.hasOwnProperty) is read too: that is not a data name.
  return { tree, roots: [...roots].filter((name) => !(name in Object.prototype)) };
}

export function nodesOf(tree: WxmlNode, tag: string): WxmlNode[] {
  const found: WxmlNode[] = [];
  const walk = (node: WxmlNode | string) => {
    if (typeof node === 'string') return;
    if (node.tag === `wx-${tag}`) found.push(node);
    for (const child of node.children ?? []) walk(child);
  };
  walk(tree);
  return found;
}

/**
 * The events WeChat's <live-pusher> and <live-player> fire (their component docs). A misspelt event name is
 * legal WXML that silently never fires, so it is checked against these.
 */
const COMPONENT_EVENTS: Record<string, string[]> = {
  'live-pusher': ['statechange', 'netstatus', 'error', 'bgmstart', 'bgmprogress', 'bgmcomplete', 'audiovolumenotify', 'enterpictureinpicture', 'leavepictureinpicture'],
  'live-player': ['statechange', 'fullscreenchange', 'netstatus', 'audiovolumenotify', 'enterpictureinpicture', 'leavepictureinpicture', 'castinguserselect', 'castingstatechange', 'castinginterrupt'],
};

/**
 * What the rendered page gets wrong against its JS: every bind/catch attribute must name a method of the
 * page definition, every data name read must be in page.data, <live-pusher url> must be the pusher's url,
 * and the <live-player>s must be the player list's items, by id.
 */
export function wxmlProblems(renderPage: RenderFunction, definition: Record<string, unknown>, data: Record<string, any>): string[] {
  const { tree, roots } = render(renderPage, data);
  const problems: string[] = [];
  const walk = (node: WxmlNode | string) => {
    if (typeof node === 'string') return;
    for (const [name, value] of Object.entries(node.attr ?? {})) {
      const binding = /^(?:capture-)?(?:bind|catch|mut-bind):?([a-z]+)$/.exec(name);
      if (!binding) continue;
      const tag = node.tag.slice('wx-'.length);
      if (typeof definition[String(value)] !== 'function') problems.push(`<${tag} ${name}="${String(value)}">: the page has no method ${String(value)}`);
      const events = COMPONENT_EVENTS[tag];
      if (events && !events.includes(binding[1]!)) problems.push(`<${tag} ${name}>: ${binding[1]} is not an event of <${tag}>`);
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(tree);
  for (const root of roots) if (!(root in data)) problems.push(`{{${root}}}: not in the page's data`);
  const pushers = nodesOf(tree, 'live-pusher');
  if ('pusher' in data) {
    if (pushers.length !== 1) problems.push(`${pushers.length} <live-pusher>s rendered, expected 1`);
    else if (!data.pusher.url || pushers[0]!.attr?.url !== data.pusher.url) problems.push(`<live-pusher url="${String(pushers[0]!.attr?.url ?? '')}">, the pusher's url is "${String(data.pusher.url ?? '')}"`);
  }
  if ('playerList' in data) {
    const ids = nodesOf(tree, 'live-player').map((node) => String(node.attr?.id ?? ''));
    const expected = (data.playerList as Array<{ id: string }>).map((item) => item.id);
    if (expected.length === 0) problems.push('the page has no players to render (the test needs a remote user)');
    if (ids.join(',') !== expected.join(',')) problems.push(`<live-player id>s [${ids.join(', ')}], playerList ids [${expected.join(', ')}]`);
  }
  return problems;
}
