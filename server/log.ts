// The dev server's logger: levelled lines on stderr, so tests can silence it and the CLI can print to stdout
// without the two mixing.

import type { LogLevel } from './config';

export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const at = (l: Exclude<LogLevel, 'silent'>) => (message: string, ...details: unknown[]) => {
    if (ORDER[l] < ORDER[level]) return;
    const extra = details.map((d) => (d instanceof Error ? d.message : typeof d === 'string' ? d : safeJson(d))).join(' ');
    write(`[wxrtc ${new Date().toISOString()} ${l}] ${message}${extra ? ` ${extra}` : ''}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
