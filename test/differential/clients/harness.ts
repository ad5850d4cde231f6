// Tencent's own clients of trtc-wx, run on either SDK. A "world" is one fresh load of
// @tencentcloud/trtc-cloud-wx 1.0.8 and the trtc-pusher / trtc-player components of
// @tencentcloud/trtc-component-wx 1.0.7 (their miniprogram_dist, what WeChat's "build npm" ships), with
// `trtc-wx-sdk` resolved to the SDK file given: Tencent's trtc-wx.js 1.1.15 or our built dist/trtc-wx.js.
// Modules are evaluated by a small CommonJS loader of our own, so each world gets its own module state
// (trtc-cloud-wx keeps a singleton and a task queue at module level) and nothing depends on how jest resolves
// packages. The harness then records everything the CLIENT does that a user or a page could see.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HeadlessWx, type ContextCall } from '../../../src/testing/wx';
import { applySetData } from '../../../src/testing/set-data';

const root = join(__dirname, '..', '..', '..');
const CLIENT_FILE = require.resolve('@tencentcloud/trtc-cloud-wx');
const COMPONENTS_DIR = join(dirname(require.resolve('@tencentcloud/trtc-component-wx/package.json')), 'miniprogram_dist');
/** Tencent's trtc-wx.js 1.1.15, the reference. */
export const TENCENT_SDK = require.resolve('trtc-wx-sdk/trtc-wx.js');
/** Ours, as `npm run build` writes it (WXRTC_DROP_IN points the suite at another build, e.g. an older one). */
export const OUR_SDK = process.env.WXRTC_DROP_IN ?? join(root, 'dist', 'trtc-wx.js');

type Require = (id: string) => unknown;

/** File contents read once: a concurrent `npm run build` (test/build.test.ts) must not change them mid-suite. */
const sources = new Map<string, string>();

/** Read (once) and compile-check a CommonJS file; throws while it is missing or half-written. */
export function sourceOf(file: string): string {
  let code = sources.get(file);
  if (code === undefined) {
    code = readFileSync(file, 'utf8');
    // A syntax error here is a file still being written: the caller may wait and read again.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('module', 'exports', 'require', '__filename', '__dirname', code);
    sources.set(file, code);
  }
  return code;
}

/** Evaluate one CommonJS file in this realm (so it sees this test's `wx`, `Component` and fake timers). */
function evaluate(file: string, requireFn: Require): unknown {
  const code = sourceOf(file);
  const module = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('module', 'exports', 'require', '__filename', '__dirname', code) as (...args: unknown[]) => void;
  run(module, module.exports, requireFn, file, dirname(file));
  return module.exports;
}

/** What a component definition passed to Component() holds (the parts the two components use). */
export interface ComponentDefinition {
  properties?: Record<string, unknown>;
  data?: Record<string, unknown>;
  lifetimes?: { attached?: () => void; detached?: () => void };
  methods?: Record<string, (...args: unknown[]) => unknown>;
}

/** The client as its pages use it: TRTCCloud.getTRTCShareInstance(). */
export interface ClientLike {
  [method: string]: unknown;
  emit(name: string, ...args: unknown[]): void;
  logger: { setLogLevel(level: number): void };
}

export interface World {
  client: ClientLike;
  TRTCCloud: { getTRTCShareInstance(): ClientLike; destroyTRTCShareInstance(): void };
  pusher: ComponentDefinition;
  player: ComponentDefinition;
}

/** Load the client and its components once, with trtc-wx-sdk resolved to `sdkFile`. `wx` must be installed. */
export function loadWorld(sdkFile: string): World {
  const nothing: Require = (id) => {
    throw new Error(`unexpected require('${id}')`);
  };
  const sdk = evaluate(sdkFile, nothing);
  const clientExports = evaluate(CLIENT_FILE, (id) => {
    if (id === 'trtc-wx-sdk') return sdk;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (id === 'eventemitter3') return require('eventemitter3');
    return nothing(id);
  }) as { default: World['TRTCCloud'] };
  const scope = globalThis as Record<string, unknown>;
  const previous = scope.Component;
  const definitions: ComponentDefinition[] = [];
  scope.Component = (definition: ComponentDefinition) => void definitions.push(definition);
  try {
    for (const name of ['trtc-pusher.js', 'trtc-player.js']) {
      evaluate(join(COMPONENTS_DIR, name), (id) => (id === '@tencentcloud/trtc-cloud-wx' ? clientExports : nothing(id)));
    }
  } finally {
    scope.Component = previous;
  }
  const TRTCCloud = clientExports.default;
  return { client: TRTCCloud.getTRTCShareInstance(), TRTCCloud, pusher: definitions[0]!, player: definitions[1]! };
}

/** The `{{...}}` expressions a component's WXML binds: what the user sees of its data. */
export function boundExpressions(component: 'trtc-pusher' | 'trtc-player'): string[] {
  const wxml = readFileSync(join(COMPONENTS_DIR, `${component}.wxml`), 'utf8');
  const found = new Set<string>();
  for (const match of wxml.matchAll(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g)) found.add(match[1]!);
  return [...found].sort();
}

function read(data: Record<string, unknown>, path: string): unknown {
  let node: unknown = data;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A JSON-able copy: functions, undefined and errors kept visible, the client instance named. */
export function normalize(value: unknown, client?: unknown, depth = 0): unknown {
  if (value === undefined) return '<undefined>';
  if (typeof value === 'function') return '<function>';
  if (value === client && client !== undefined) return '<client>';
  if (value instanceof Error) return { error: value.message };
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8) return '<deep>';
  if (Array.isArray(value)) return value.map((v) => normalize(v, client, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = normalize((value as Record<string, unknown>)[key], client, depth + 1);
  return out;
}

/** One thing the client did, as the suite compares it; `cause` is the scripted action it happened during. */
export type Record_ = { cause?: string } & (
  | { kind: 'event'; name: string; args: unknown }
  | { kind: 'setData'; component: string; patch: unknown }
  | { kind: 'bound'; component: string; attributes: unknown }
  | { kind: 'trigger'; component: string; name: string; detail: unknown }
  | { kind: 'context'; target: string; page: string; method: string; options: unknown }
  | { kind: 'ui'; api: string; options: unknown }
  | { kind: 'result'; api: string; outcome: 'returned' | 'threw' | 'resolved' | 'rejected'; value: unknown });

/** A mounted component instance, as WeChat makes it from a Component() definition. */
export interface ComponentInstance {
  name: string;
  data: Record<string, unknown>;
  setData(patch: Record<string, unknown>, callback?: () => void): void;
  triggerEvent(name: string, detail: unknown): void;
  [method: string]: unknown;
}

const UI_APIS = ['showToast', 'hideToast', 'showModal', 'showLoading', 'hideLoading', 'showActionSheet', 'navigateTo', 'navigateBack', 'redirectTo', 'reLaunch', 'switchTab', 'vibrateShort', 'vibrateLong', 'setKeepScreenOn', 'makePhoneCall'];

/** One run of a client on one SDK: a fake wx, the components, and the record of what the client did. */
export class ClientRun {
  /** The scripted action now running (a client call, a tag event, time passing); stamped on each record. */
  cause = 'setup';
  readonly records: Record_[] = [];
  /** wx.request calls (the SDK's own telemetry; not the client's). */
  readonly requests: string[] = [];
  readonly wx: HeadlessWx;
  world!: World;
  pusherInstance: ComponentInstance | null = null;
  readonly players = new Map<string, ComponentInstance>();
  private readonly lastBound = new Map<string, string>();
  private previous: { wx: unknown; getApp: unknown } | null = null;

  constructor(private readonly sdkFile: string) {
    const records = this.records;
    const push = records.push.bind(records);
    records.push = (...items: Record_[]) => push(...items.map((item) => ({ cause: this.cause, ...item })));
    this.wx = new HeadlessWx({ platform: 'ios' });
    const wx = this.wx as unknown as Record<string, unknown>;
    // No network: the SDK's quality reports are recorded, never sent.
    wx.request = (options: { url: string; complete?: (r: unknown) => void; success?: (r: unknown) => void }) => {
      this.requests.push(options.url);
      queueMicrotask(() => {
        options.success?.({ statusCode: 200, data: {}, errMsg: 'request:ok' });
        options.complete?.({ statusCode: 200, data: {}, errMsg: 'request:ok' });
      });
    };
    for (const api of UI_APIS) {
      wx[api] = (options?: { success?: (r: unknown) => void; complete?: (r: unknown) => void }) => {
        this.records.push({ kind: 'ui', api, options: normalize(options) });
        queueMicrotask(() => {
          options?.success?.({ errMsg: `${api}:ok` });
          options?.complete?.({ errMsg: `${api}:ok` });
        });
      };
    }
    this.wx.onContextCall((call: ContextCall) =>
      this.records.push({
        kind: 'context',
        target: call.target,
        page: call.page === undefined ? 'none' : call.page === this.world?.client ? 'client' : 'other',
        method: call.method,
        options: normalize(call.options),
      }),
    );
  }

  /** Install wx/getApp and load the client on this run's SDK. */
  start(): this {
    const scope = globalThis as Record<string, unknown>;
    this.previous = { wx: scope.wx, getApp: scope.getApp };
    scope.wx = this.wx;
    scope.getApp = () => ({ globalData: {} });
    this.world = loadWorld(this.sdkFile);
    const client = this.world.client;
    // Quiet, the same way on both sides (a client call its pages make too).
    client.logger.setLogLevel(5);
    const emit = client.emit.bind(client);
    client.emit = (name: string, ...args: unknown[]) => {
      this.records.push({ kind: 'event', name, args: normalize(args, client) });
      emit(name, ...args);
    };
    return this;
  }

  /** Give the globals back and drop the client's singleton. */
  stop(): void {
    try {
      this.world?.TRTCCloud.destroyTRTCShareInstance();
    } catch (error) {
      this.records.push({ kind: 'result', api: 'destroyTRTCShareInstance', outcome: 'threw', value: normalize(error) });
    }
    const scope = globalThis as Record<string, unknown>;
    if (this.previous) {
      scope.wx = this.previous.wx;
      scope.getApp = this.previous.getApp;
    }
  }

  /** Call a client API the way a page does; record its return value, exception, and promise outcome. */
  call(api: string, ...args: unknown[]): void {
    const client = this.world.client;
    let result: unknown;
    try {
      result = (client[api] as (...a: unknown[]) => unknown).apply(client, args);
    } catch (error) {
      this.records.push({ kind: 'result', api, outcome: 'threw', value: normalize(error) });
      return;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        (value) => this.records.push({ kind: 'result', api, outcome: 'resolved', value: normalize(value, client) }),
        (error: unknown) => this.records.push({ kind: 'result', api, outcome: 'rejected', value: normalize(error) }),
      );
    } else {
      this.records.push({ kind: 'result', api, outcome: 'returned', value: normalize(result, client) });
    }
  }

  /** Mount a component (its `attached` runs): the pusher, or a player for one view (its streamId property). */
  attach(kind: 'pusher' | 'player', streamId = ''): ComponentInstance {
    const definition = kind === 'pusher' ? this.world.pusher : this.world.player;
    const name = kind === 'pusher' ? 'trtc-pusher' : `trtc-player:${streamId}`;
    const propertyDefaults: Record<string, unknown> = {};
    for (const key of Object.keys(definition.properties ?? {})) propertyDefaults[key] = key === 'streamId' ? streamId : null;
    const records = this.records;
    const instance: ComponentInstance = {
      name,
      data: { ...propertyDefaults, ...(JSON.parse(JSON.stringify(definition.data ?? {})) as Record<string, unknown>) },
      setData(patch, callback) {
        records.push({ kind: 'setData', component: name, patch: normalize(patch) });
        applySetData(this.data, patch);
        // WeChat calls back once the view has the data: on a later turn.
        if (callback) setTimeout(callback, 0);
      },
      triggerEvent(eventName, detail) {
        records.push({ kind: 'trigger', component: name, name: eventName, detail: normalize(detail) });
      },
    };
    for (const [key, fn] of Object.entries(definition.methods ?? {})) instance[key] = fn.bind(instance);
    definition.lifetimes?.attached?.call(instance);
    if (kind === 'pusher') this.pusherInstance = instance;
    else this.players.set(streamId, instance);
    return instance;
  }

  detach(kind: 'pusher' | 'player', streamId = ''): void {
    const instance = kind === 'pusher' ? this.pusherInstance : this.players.get(streamId);
    if (!instance) return;
    const definition = kind === 'pusher' ? this.world.pusher : this.world.player;
    definition.lifetimes?.detached?.call(instance);
    if (kind === 'pusher') this.pusherInstance = null;
    else this.players.delete(streamId);
  }

  /** What <live-pusher> reports through the component's WXML handlers. */
  pusherEvent(handler: string, detail: Record<string, unknown>): void {
    const instance = this.pusherInstance;
    if (!instance) throw new Error('no trtc-pusher attached');
    const target = { id: '', dataset: {} };
    (instance[handler] as (e: unknown) => void)({ type: handler, detail, currentTarget: target, target, timeStamp: 0 });
  }

  /** What one <live-player> reports: its data-* attributes come from the bound player data, as WXML sets them. */
  playerEvent(streamId: string, handler: string, detail: Record<string, unknown>): void {
    const instance = this.players.get(streamId);
    if (!instance) throw new Error(`no trtc-player ${streamId}`);
    const player = (instance.data.player ?? {}) as Record<string, unknown>;
    const target = { id: String(player.streamID ?? ''), dataset: { userid: player.userID, streamid: player.streamID, streamtype: player.streamType } };
    (instance[handler] as (e: unknown) => void)({ type: handler, detail, currentTarget: target, target: { ...target, dataset: { ...target.dataset } }, timeStamp: 0 });
  }

  /** Record what each mounted component's WXML shows now, when it changed. */
  snapshotBound(): void {
    const all: Array<[ComponentInstance, 'trtc-pusher' | 'trtc-player']> = [];
    if (this.pusherInstance) all.push([this.pusherInstance, 'trtc-pusher']);
    for (const player of this.players.values()) all.push([player, 'trtc-player']);
    for (const [instance, kind] of all) {
      const attributes: Record<string, unknown> = {};
      for (const expression of boundExpressions(kind)) attributes[expression] = normalize(read(instance.data, expression));
      const text = JSON.stringify(attributes);
      if (this.lastBound.get(instance.name) === text) continue;
      this.lastBound.set(instance.name, text);
      this.records.push({ kind: 'bound', component: instance.name, attributes });
    }
  }
}
