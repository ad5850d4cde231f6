// Client event reports (volc 3.1.0; src/services/reporter.ts sends them): batches are checked and kept in a
// bounded in-memory ring, for tests and the inspector. Nothing is forwarded anywhere. A batch is signed by
// the userSig of the user it is about (the SDK sends it once it has entered a room; it is checked, never
// stored), so a web page elsewhere cannot write reports, and reading them needs the admin key (http.ts).

import { isUserID, isWellFormedString } from '../src/core/protocol';
import { checkNetStatsSample, type NetStatsSample } from '../src/core/net-stats';

export interface ReportBatch {
  receivedAt: number;
  /** null when the client reported before it entered a room (the reporter does not know it yet). */
  sdkAppID: number | null;
  userID: string | null;
  roomID: string | null;
  events: Array<Record<string, unknown>>;
}

/** A checked batch and the userSig it came with (checked by the caller against the server's secret). */
export type BatchCheck = { ok: true; batch: ReportBatch; userSig: string | null } | { ok: false; message: string };

const MAX_EVENTS_PER_BATCH = 1000;

export function validateReportBatch(body: unknown, receivedAt = Date.now()): BatchCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, message: 'the body must be a JSON object' };
  const b = body as Record<string, unknown>;
  const sdkAppID = b.sdkAppID ?? null;
  if (sdkAppID !== null && (!Number.isSafeInteger(sdkAppID) || (sdkAppID as number) <= 0)) return { ok: false, message: 'sdkAppID must be a positive integer or null' };
  const userID = b.userID ?? null;
  if (userID !== null && !isUserID(userID)) return { ok: false, message: 'userID must be a userID enterRoom accepts, or null' };
  const roomID = b.roomID ?? null;
  if (roomID !== null && (typeof roomID !== 'string' || (roomID !== '' && !isWellFormedString(roomID, 66)))) return { ok: false, message: 'roomID must be a string of up to 66 characters or null' };
  const userSig = b.userSig ?? null;
  if (userSig !== null && !isWellFormedString(userSig, 4096)) return { ok: false, message: 'userSig must be a string of up to 4096 characters' };
  if (!Array.isArray(b.events) || b.events.length === 0) return { ok: false, message: 'events must be a non-empty array' };
  if (b.events.length > MAX_EVENTS_PER_BATCH) return { ok: false, message: `at most ${MAX_EVENTS_PER_BATCH} events per batch` };
  for (const [i, e] of b.events.entries()) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return { ok: false, message: `events[${i}] must be an object` };
    if (typeof (e as Record<string, unknown>).type !== 'string') return { ok: false, message: `events[${i}].type must be a string` };
  }
  return {
    ok: true,
    userSig: userSig as string | null,
    batch: { receivedAt, sdkAppID: sdkAppID as number | null, userID: userID as string | null, roomID: roomID as string | null, events: b.events as Array<Record<string, unknown>> },
  };
}

export class ReportStore {
  private readonly batches: ReportBatch[] = [];
  private droppedBatches = 0;

  constructor(private readonly maxBatches: number) {}

  add(batch: ReportBatch): void {
    this.batches.push(batch);
    if (this.batches.length > this.maxBatches) {
      this.batches.shift();
      this.droppedBatches += 1;
    }
  }

  list(filter: { userID?: string; sdkAppID?: number } = {}): ReportBatch[] {
    return this.batches.filter((b) => (filter.userID === undefined || b.userID === filter.userID) && (filter.sdkAppID === undefined || b.sdkAppID === filter.sdkAppID));
  }

  get dropped(): number {
    return this.droppedBatches;
  }

  clear(): void {
    this.batches.length = 0;
  }
}

/** Reported NET_STATS events at most this many per batch count toward the quality series; the rest only as reports. */
const MAX_REPORTED_SAMPLES = 64;

/**
 * The NET_STATS events of a batch (src/services/stats.ts records them), as net-stats samples of its user in its
 * room: each checked as a net-stats frame's sample is; a push must be the reporter's own. Null when the batch
 * names no user or room, or carries none.
 */
export function reportedNetStats(batch: ReportBatch): { roomKey: string; userID: string; samples: NetStatsSample[] } | null {
  if (batch.userID === null || batch.roomID === null || batch.roomID === '') return null;
  const samples: NetStatsSample[] = [];
  for (const event of batch.events) {
    if (event.type !== 'NET_STATS' || samples.length >= MAX_REPORTED_SAMPLES) continue;
    const { type: _type, ...fields } = event;
    const check = checkNetStatsSample(fields);
    if (!check.ok || (check.sample.kind === 'push' && check.sample.userID !== batch.userID)) continue;
    samples.push(check.sample);
  }
  if (samples.length === 0) return null;
  // The reporter names the room as enterRoom had it: strRoomID, or roomID as digits.
  const roomKey = /^[1-9]\d{0,9}$/.test(batch.roomID) ? `n:${batch.roomID}` : `s:${batch.roomID}`;
  return { roomKey, userID: batch.userID, samples };
}
