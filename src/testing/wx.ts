// A `wx` for Node: the parts of WeChat's API the SDK touches, recording every call so a test can assert
// on what the SDK asked of the phone. Context methods answer through their success/complete callbacks
// asynchronously, as WeChat does; connectSocket is a real WebSocket (ws) and request a real HTTP call
// (fetch). Emulated <live-pusher>/<live-player> components hook into the context calls.

import WebSocket from 'ws';

/** One call of a LivePusherContext / LivePlayerContext method, as the headless `wx` recorded it. */
export interface ContextCall {
  /** 'pusher', or the player id. */
  target: string;
  /** The page the context was created for (trtc-wx and wxrtc both pass it). */
  page: object | undefined;
  method: string;
  options: Record<string, unknown> | undefined;
}

type Listener<T> = (value: T) => void;
type Callbacks = { success?: (r: unknown) => void; fail?: (r: unknown) => void; complete?: (r: unknown) => void };

/** Options of {@link HeadlessWx} (and of HeadlessRuntime, which passes them on). */
export interface HeadlessWxOptions {
  /** What getSystemInfoSync reports; 'android' matters for the 6th-subscription warning. */
  platform?: 'ios' | 'android' | 'devtools';
  /** Methods that should fail, e.g. ['pusher.playBGM', 'player.requestFullScreen']. */
  failing?: string[];
}

/** The `wx` object for Node: install it (installWx, or HeadlessRuntime.install) and the SDK runs as on a phone. */
export class HeadlessWx {
  /** Every context method call, in order. */
  readonly calls: ContextCall[] = [];
  private readonly callListeners = new Set<Listener<ContextCall>>();
  private readonly showListeners = new Set<() => void>();
  private readonly hideListeners = new Set<() => void>();
  private readonly networkListeners = new Set<Listener<{ isConnected: boolean; networkType: string }>>();
  private readonly storage = new Map<string, unknown>();
  private readonly failing: Set<string>;
  /** What getSystemInfoSync reports as the platform. */
  readonly platform: string;
  /** Files "saved" to the album by saveImageToPhotosAlbum. */
  readonly album: string[] = [];
  /** Sockets opened through connectSocket that are not closed yet. */
  private readonly sockets = new Set<WebSocket>();
  /** Every wx.request made, with the parsed JSON body. */
  readonly requests: Array<{ url: string; method: string; data: unknown }> = [];

  constructor(options: HeadlessWxOptions = {}) {
    this.platform = options.platform ?? 'ios';
    this.failing = new Set(options.failing ?? []);
  }

  /** Observe context calls (emulated components use this to react to start/stop/play). */
  onContextCall(listener: Listener<ContextCall>): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** Calls of one method on one target. */
  callsOf(target: string, method?: string): ContextCall[] {
    return this.calls.filter((c) => c.target === target && (method === undefined || c.method === method));
  }

  // --- app lifecycle and network, driven by tests -----------------------------------------------------

  /** Test control: the mini-program comes to the foreground (onAppShow listeners run). */
  showApp(): void {
    for (const listener of [...this.showListeners]) listener();
  }

  /** Test control: the mini-program goes to the background (onAppHide listeners run). */
  hideApp(): void {
    for (const listener of [...this.hideListeners]) listener();
  }

  /** Test control: the network changes (onNetworkStatusChange listeners run). */
  changeNetwork(networkType: string, isConnected = networkType !== 'none'): void {
    for (const listener of [...this.networkListeners]) listener({ isConnected, networkType });
  }

  // --- the WeChat API surface ------------------------------------------------------------------------

  /** As wx.createLivePusherContext: every method call is recorded and answered asynchronously. */
  createLivePusherContext = (page?: object): Record<string, (options?: Record<string, unknown>) => void> => this.contextFor('pusher', page);

  /** As wx.createLivePlayerContext(id): every method call is recorded and answered asynchronously. */
  createLivePlayerContext = (id: string, page?: object): Record<string, (options?: Record<string, unknown>) => void> => this.contextFor(id, page);

  /** As wx.onAppShow. */
  onAppShow = (listener: () => void): void => void this.showListeners.add(listener);
  /** As wx.offAppShow. */
  offAppShow = (listener?: () => void): void => (listener ? void this.showListeners.delete(listener) : this.showListeners.clear());
  /** As wx.onAppHide. */
  onAppHide = (listener: () => void): void => void this.hideListeners.add(listener);
  /** As wx.offAppHide. */
  offAppHide = (listener?: () => void): void => (listener ? void this.hideListeners.delete(listener) : this.hideListeners.clear());
  /** As wx.onNetworkStatusChange. */
  onNetworkStatusChange = (listener: Listener<{ isConnected: boolean; networkType: string }>): void => void this.networkListeners.add(listener);
  /** As wx.offNetworkStatusChange. */
  offNetworkStatusChange = (listener?: Listener<{ isConnected: boolean; networkType: string }>): void =>
    listener ? void this.networkListeners.delete(listener) : this.networkListeners.clear();

  /** As wx.getSystemInfoSync: the configured platform. */
  getSystemInfoSync = (): Record<string, unknown> => ({ platform: this.platform, system: this.platform, SDKVersion: '3.0.0', version: '8.0.50' });
  /** As wx.getSystemInfo. */
  getSystemInfo = (options: Callbacks = {}): void => this.answer(options, true, this.getSystemInfoSync());
  /** As wx.getStorageSync, in memory. */
  getStorageSync = (key: string): unknown => this.storage.get(key) ?? '';
  /** As wx.setStorageSync, in memory. */
  setStorageSync = (key: string, value: unknown): void => void this.storage.set(key, value);
  /** As wx.getStorage, in memory. */
  getStorage = (options: Callbacks & { key: string }): void =>
    this.answer(options, this.storage.has(options.key), { data: this.storage.get(options.key), errMsg: 'getStorage:ok' });

  /** As wx.saveImageToPhotosAlbum: the path is added to `album`. */
  saveImageToPhotosAlbum = (options: Callbacks & { filePath: string }): void => {
    this.album.push(options.filePath);
    this.answer(options, !this.failing.has('saveImageToPhotosAlbum'), { errMsg: 'saveImageToPhotosAlbum:ok' });
  };

  /** wx.connectSocket over a real WebSocket. */
  connectSocket = (options: { url: string; fail?: (r: unknown) => void }): HeadlessSocketTask => {
    const socket = new WebSocket(options.url);
    // A connection error must reach the SDK's onError, never crash the process as an unhandled 'error'.
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return new HeadlessSocketTask(socket);
  };

  /** Cut every open socket without a close handshake, as a lost network does. */
  dropSockets(): void {
    for (const socket of [...this.sockets]) socket.terminate();
    this.sockets.clear();
  }

  /** wx.request over fetch; JSON bodies in and out. */
  request = (options: Callbacks & { url: string; method?: string; data?: unknown; header?: Record<string, string>; timeout?: number }): void => {
    const method = options.method ?? 'GET';
    this.requests.push({ url: options.url, method, data: options.data });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeout ?? 10_000);
    fetch(options.url, {
      method,
      headers: { 'content-type': 'application/json', ...(options.header ?? {}) },
      ...(method === 'GET' || options.data === undefined ? {} : { body: JSON.stringify(options.data) }),
      signal: controller.signal,
    })
      .then(async (response) => {
        const text = await response.text();
        let data: unknown = text;
        try {
          data = JSON.parse(text);
        } catch {
          // Not JSON: hand the text over as WeChat does.
        }
        const result = { statusCode: response.status, data, header: Object.fromEntries(response.headers), errMsg: 'request:ok' };
        options.success?.(result);
        options.complete?.(result);
      })
      .catch((error: unknown) => {
        const result = { errMsg: `request:fail ${String(error)}` };
        options.fail?.(result);
        options.complete?.(result);
      })
      .finally(() => clearTimeout(timer));
  };

  /**
   * Resolves once every socket open now has finished closing (or after `timeoutMs`): a teardown calls it before
   * closing servers, because a socket's 'close' handler still touches this wx after the server is gone.
   */
  whenSocketsClosed(timeoutMs = 5_000): Promise<void> {
    const pending = [...this.sockets].filter((socket) => socket.readyState !== socket.CLOSED);
    if (pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      let left = pending.length;
      for (const socket of pending) {
        socket.once('close', () => {
          left -= 1;
          if (left === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
  }

  /** Close every socket this wx opened (test teardown). */
  closeAll(): void {
    for (const socket of [...this.sockets]) socket.close();
    this.sockets.clear();
  }

  // --- internals ---------------------------------------------------------------------------------------

  private contextFor(target: string, page: object | undefined): Record<string, (options?: Record<string, unknown>) => void> {
    const kind = target === 'pusher' ? 'pusher' : 'player';
    return new Proxy({} as Record<string, (options?: Record<string, unknown>) => void>, {
      get: (_, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (options?: Record<string, unknown>) => {
          const call = { target, page, method, options };
          this.calls.push(call);
          for (const listener of [...this.callListeners]) listener(call);
          const ok = !this.failing.has(`${kind}.${method}`);
          const result =
            method === 'snapshot'
              ? { tempImagePath: `wxfile://tmp/${target}-${this.calls.length}.jpg`, width: 320, height: 240, errMsg: 'snapshot:ok' }
              : { errMsg: `${method}:${ok ? 'ok' : 'fail'}` };
          this.answer(options as Callbacks | undefined, ok, result);
        };
      },
    });
  }

  private answer(options: Callbacks | undefined, ok: boolean, result: unknown): void {
    if (!options) return;
    queueMicrotask(() => {
      if (ok) options.success?.(result);
      else options.fail?.(result);
      options.complete?.(result);
    });
  }
}

/** WeChat's SocketTask over a ws WebSocket: text frames only, callbacks registered with onX. */
export class HeadlessSocketTask {
  private readonly socket: WebSocket;

  /**
   * @param socket a `ws` WebSocket. Typed as `object` so that the published types name nothing from `ws`: a
   * TypeScript user of wxrtc/testing needs no @types/ws.
   */
  constructor(socket: object) {
    this.socket = socket as WebSocket;
  }

  /** As SocketTask.send. */
  send(options: { data: string; success?: () => void; fail?: (r: unknown) => void }): void {
    if (this.socket.readyState !== WebSocket.OPEN) {
      options.fail?.({ errMsg: 'sendSocketMessage:fail socket is not open' });
      return;
    }
    this.socket.send(options.data, (error) => (error ? options.fail?.({ errMsg: String(error) }) : options.success?.()));
  }

  /** As SocketTask.close. */
  close(options: { code?: number; reason?: string } = {}): void {
    if (this.socket.readyState === WebSocket.CLOSED || this.socket.readyState === WebSocket.CLOSING) return;
    this.socket.close(options.code ?? 1000, options.reason ?? '');
  }

  /** As SocketTask.onOpen. */
  onOpen(listener: () => void): void {
    this.socket.on('open', () => listener());
  }

  /** As SocketTask.onMessage (text frames). */
  onMessage(listener: (message: { data: string }) => void): void {
    this.socket.on('message', (data, isBinary) => {
      if (!isBinary) listener({ data: data.toString() });
    });
  }

  /** As SocketTask.onClose. */
  onClose(listener: (info: { code: number; reason: string }) => void): void {
    this.socket.on('close', (code, reason) => listener({ code, reason: reason.toString() }));
  }

  /** As SocketTask.onError. */
  onError(listener: (error: { errMsg: string }) => void): void {
    this.socket.on('error', (error) => listener({ errMsg: error.message }));
  }
}

/** Install a headless `wx` (and getApp) as globals; returns it and a function that removes them. */
export function installWx(options: HeadlessWxOptions = {}): { wx: HeadlessWx; uninstall: () => void } {
  const headless = new HeadlessWx(options);
  const scope = globalThis as Record<string, unknown>;
  const previous = { wx: scope.wx, getApp: scope.getApp };
  scope.wx = headless;
  scope.getApp = () => ({ globalData: {} });
  return {
    wx: headless,
    uninstall: () => {
      scope.wx = previous.wx;
      scope.getApp = previous.getApp;
    },
  };
}
