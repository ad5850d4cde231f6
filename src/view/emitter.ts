// on/off for the facade, with trtc-wx's semantics: handlers run with the `context` given to on(),
// off(code, handler) removes one registration, off(code) all of a code, off() everything. A handler that
// throws is logged and the others still run: a page's bug must not leave the SDK half-updated.

import { logger } from '../core/log';
import type { EventCode, EventHandler, TRTCEvent } from './events';

interface Registration {
  handler: EventHandler;
  context: unknown;
}

export class Emitter {
  private readonly registrations = new Map<string, Registration[]>();

  on(code: string, handler: EventHandler, context?: unknown): void {
    if (typeof handler !== 'function') {
      logger.error(`on(${code}): the listener must be a function`);
      return;
    }
    const list = this.registrations.get(code) ?? [];
    list.push({ handler, context });
    this.registrations.set(code, list);
  }

  off(code?: string, handler?: EventHandler): void {
    if (code === undefined) {
      this.registrations.clear();
      return;
    }
    if (handler === undefined) {
      this.registrations.delete(code);
      return;
    }
    const list = this.registrations.get(code);
    const at = list?.findIndex((r) => r.handler === handler) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }

  has(code: string): boolean {
    return (this.registrations.get(code)?.length ?? 0) > 0;
  }

  emit(code: EventCode, data: unknown): void {
    const list = this.registrations.get(code);
    if (!list || list.length === 0) return;
    const event: TRTCEvent = { eventCode: code, data };
    for (const { handler, context } of list.slice()) {
      try {
        handler.call(context, event);
      } catch (error) {
        logger.error(`a ${code} handler threw`, error);
      }
    }
  }
}
