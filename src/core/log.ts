// The SDK's logger: one prefix, a level the page sets with setLogLevel (0 log .. 3 error, 4 silent, as in
// trtc-wx), and a sink tests can replace. Logging never throws into the caller.

/** Levels for `setLogLevel` and the `logLevel` option: LOG 0 .. ERROR 3, SILENT 4 (the default is WARN). */
export const LogLevel = { LOG: 0, INFO: 1, WARN: 2, ERROR: 3, SILENT: 4 } as const;
export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel];

type Sink = (level: 'log' | 'info' | 'warn' | 'error', args: readonly unknown[]) => void;

const consoleSink: Sink = (level, args) => {
  try {
    console[level]('[wxrtc]', ...args);
  } catch {
    // A console that throws (a broken polyfill) must not break the call that logged.
  }
};

let threshold: number = LogLevel.WARN;
let sink: Sink = consoleSink;

export const logger = {
  setLevel(level: number): void {
    threshold = Number.isFinite(level) ? level : LogLevel.WARN;
  },
  level(): number {
    return threshold;
  },
  /** Replace where log lines go (tests collect them); `null` restores the console. */
  setSink(next: Sink | null): void {
    sink = next ?? consoleSink;
  },
  log(...args: unknown[]): void {
    if (threshold <= LogLevel.LOG) sink('log', args);
  },
  info(...args: unknown[]): void {
    if (threshold <= LogLevel.INFO) sink('info', args);
  },
  warn(...args: unknown[]): void {
    if (threshold <= LogLevel.WARN) sink('warn', args);
  },
  error(...args: unknown[]): void {
    if (threshold <= LogLevel.ERROR) sink('error', args);
  },
};
