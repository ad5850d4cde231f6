// Runs the example mini-program's pages (example/miniprogram) headless: loads a page's Page({...}) definition
// the way WeChat does, derives the <live-pusher>/<live-player> bindings from the page's own WXML, and mounts
// instances of it in a HeadlessRuntime, so a test drives exactly the code and markup a phone would run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPage, type PageInstance } from '../../src/testing/page';
import { loadPageDefinition as loadDefinitionFrom } from '../../src/testing/page-definition';
import type { Bindings, HeadlessRuntime, MountedPage } from '../../src/testing/runtime';
import type { PlayerListBinding, PusherBinding } from '../../src/testing/bindings';
import type { TRTC } from '../../src/trtc';

export const EXAMPLE_ROOT = join(__dirname, '..', '..', 'example', 'miniprogram');

export type PageDefinition = Record<string, unknown> & { data: Record<string, unknown> };

const definitions = new Map<string, PageDefinition>();

/**
 * The object a page's JS hands to `Page()`, taken out by wxrtc/testing's loadPageDefinition (the helper a
 * user's own tests get); jest's require, so the page's `require('wxrtc')` resolves to src/ (moduleNameMapper).
 */
export function loadPageDefinition(name: string): PageDefinition {
  const cached = definitions.get(name);
  if (cached) return cached;
  const definition = loadDefinitionFrom(() => require(join(EXAMPLE_ROOT, 'pages', name, `${name}.js`))) as PageDefinition;
  definitions.set(name, definition);
  return definition;
}

// --- WXML --------------------------------------------------------------------------------------------------

export interface WxmlTag {
  name: string;
  attributes: Record<string, string>;
  /** Offset of the tag in the file, to find what encloses it. */
  at: number;
}

/** Every opening (or self-closing) tag with its attributes. WXML is XML-like enough for this: no `>` inside values. */
export function parseWxmlTags(wxml: string): WxmlTag[] {
  const source = wxml.replace(/<!--[\s\S]*?-->/g, (comment) => ' '.repeat(comment.length));
  const tags: WxmlTag[] = [];
  for (const match of source.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*"[^"]*")?)*)\s*\/?>/g)) {
    const attributes: Record<string, string> = {};
    for (const attribute of (match[2] ?? '').matchAll(/([^\s=>/]+)(?:\s*=\s*"([^"]*)")?/g)) attributes[attribute[1]!] = attribute[2] ?? '';
    tags.push({ name: match[1]!, attributes, at: match.index ?? 0 });
  }
  return tags;
}

export function readWxml(name: string): string {
  return readFileSync(join(EXAMPLE_ROOT, 'pages', name, `${name}.wxml`), 'utf8');
}

/** `{{ a.b }}` -> `a.b`; anything else is not a plain data path. */
function dataPathOf(value: string | undefined): string | null {
  const match = /^\{\{\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\}\}$/.exec(value ?? '');
  return match ? match[1]! : null;
}

/** bind<event> / bind:<event> attributes -> { event: method }. */
function handlersOf(tag: WxmlTag): Record<string, string> {
  const handlers: Record<string, string> = {};
  for (const [name, value] of Object.entries(tag.attributes)) {
    const match = /^bind:?([a-z]+)$/.exec(name);
    if (match) handlers[match[1]!] = value;
  }
  return handlers;
}

export interface WxmlBindings extends Bindings {
  pusher: PusherBinding;
  players: PlayerListBinding;
  /** The player-item field the WXML gives <live-player data-streamid>. */
  streamIdField: string;
}

/**
 * What the page's WXML binds: the pusher's data path (from `url="{{pusher.url}}"`), the player list (the
 * `wx:for` around <live-player>), the item field used as its id, and every bind* handler. A WXML that drifts
 * from what the JS sets makes these bindings, and so the test, fail.
 */
export function bindingsFromWxml(wxml: string): WxmlBindings {
  const tags = parseWxmlTags(wxml);
  const pusher = tags.find((t) => t.name === 'live-pusher');
  const player = tags.find((t) => t.name === 'live-player');
  if (!pusher || !player) throw new Error('the WXML needs one <live-pusher> and a <live-player> in a wx:for');
  const urlPath = dataPathOf(pusher.attributes.url);
  if (!urlPath?.endsWith('.url')) throw new Error(`<live-pusher url> is not bound to a data path: ${pusher.attributes.url}`);
  const loop = tags.filter((t) => t.at < player.at && 'wx:for' in t.attributes).pop();
  const listPath = dataPathOf(loop?.attributes['wx:for']);
  if (!loop || !listPath) throw new Error('<live-player> is not inside a wx:for over a data path');
  const itemName = loop.attributes['wx:for-item'] ?? 'item';
  const fieldOf = (attribute: string): string => {
    const path = dataPathOf(player.attributes[attribute]);
    if (!path?.startsWith(`${itemName}.`)) throw new Error(`<live-player ${attribute}> is not bound to a field of ${itemName}`);
    return path.slice(itemName.length + 1);
  };
  return {
    pusher: { dataPath: urlPath.slice(0, -'.url'.length), handlers: handlersOf(pusher) },
    players: { listPath, idField: fieldOf('id'), handlers: handlersOf(player) },
    streamIdField: fieldOf('data-streamid'),
  };
}

/** Every method a WXML names in its bind and catch attributes. */
export function handlerNamesIn(wxml: string): string[] {
  const names = new Set<string>();
  for (const tag of parseWxmlTags(wxml)) {
    for (const [attribute, value] of Object.entries(tag.attributes)) if (/^(bind|catch):?[a-z]+$/.test(attribute)) names.add(value);
  }
  return [...names];
}

/** The data roots a WXML reads in its {{ }} expressions (loop variables excluded). */
export function dataRootsIn(wxml: string): string[] {
  const loopNames = new Set(['item', 'index']);
  for (const tag of parseWxmlTags(wxml)) {
    if (tag.attributes['wx:for-item']) loopNames.add(tag.attributes['wx:for-item']);
    if (tag.attributes['wx:for-index']) loopNames.add(tag.attributes['wx:for-index']);
  }
  const roots = new Set<string>();
  const source = wxml.replace(/<!--[\s\S]*?-->/g, '');
  for (const expression of source.matchAll(/\{\{([\s\S]*?)\}\}/g)) {
    const code = expression[1]!.replace(/'[^']*'|"[^"]*"/g, "''");
    for (const identifier of code.matchAll(/(?<![.\w$])([A-Za-z_$][\w$]*)/g)) {
      const name = identifier[1]!;
      if (!loopNames.has(name) && !['true', 'false', 'null', 'undefined'].includes(name)) roots.add(name);
    }
  }
  return [...roots];
}

// --- a mounted page ----------------------------------------------------------------------------------------

export interface SeenEvent {
  code: string;
  data: any;
}

/** One instance of an example page, mounted with its WXML's bindings, recording its SDK's events. */
export class ExamplePage {
  readonly page: PageInstance;
  readonly mounted: MountedPage;
  readonly events: SeenEvent[] = [];
  private unloaded = false;

  constructor(
    runtime: HeadlessRuntime,
    readonly name: string,
    readonly bindings: WxmlBindings = bindingsFromWxml(readWxml(name)),
    definition: PageDefinition = loadPageDefinition(name),
  ) {
    this.page = createPage(definition);
    this.mounted = runtime.mount(this.page, bindings);
  }

  /** What WeChat does when the page opens with `query`; then listen to its SDK as well. */
  load(query: Record<string, string>): this {
    (this.page as unknown as { onLoad(query: Record<string, string>): void }).onLoad(query);
    for (const code of Object.values(this.trtc.EVENT)) this.trtc.on(code, (event) => this.events.push({ code: event.eventCode, data: event.data }));
    return this;
  }

  /** The page's own TRTC (`this.TRTC` in the example's JS). */
  get trtc(): TRTC {
    return (this.page as unknown as { TRTC: TRTC }).TRTC;
  }

  get data(): Record<string, any> {
    return this.page.data;
  }

  /** A page method, as a tap on the WXML's bindtap would call it. */
  tap(method: string): void {
    this.page.trigger(method, {});
  }

  /** Player ids in the page's bound list. */
  playerIds(): string[] {
    const list = this.data[this.bindings.players.listPath] as Array<Record<string, unknown>>;
    return list.map((item) => String(item[this.bindings.players.idField])).sort();
  }

  /** Ids of the emulated <live-player>s that are actually playing. */
  playing(): string[] {
    return [...this.mounted.players.values()].filter((p) => p.playing).map((p) => p.id).sort();
  }

  saw(code: string, match: (data: any) => boolean = () => true): boolean {
    return this.events.some((e) => e.code === code && match(e.data));
  }

  unload(): void {
    if (this.unloaded) return;
    this.unloaded = true;
    (this.page as unknown as { onUnload(): void }).onUnload();
  }
}

/** Poll until `probe` holds (bounded): pages react to sockets and timers, not to the test. */
export async function eventually(probe: () => boolean, message: () => string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
