// What the /inspect page knows, without the DOM: sessions from the relay, their actors (a room with its
// pusher, players and invoked helpers) and a timeline of inspection entries, from which it derives each
// participant's state at any point of its history. Plain TypeScript, so it is unit-tested on Node.

import type { SessionInfo, StatelyMessage, ViewerMessage } from '../../src/inspect/protocol';

export interface ActorView {
  /** XState's sessionId for the actor (x:0, x:1 ...), unique within one inspected session. */
  id: string;
  /** The actor's id: 'room' for the root, 'pusher', 'bob_main' for a player. */
  name: string;
  /** The machine behind it when it has a chart (its definition's id), else null (callback actors). */
  machine: string | null;
  parentId: string | null;
  rootId: string;
  /** Sequence number of its registration. */
  seq: number;
}

export interface Entry {
  seq: number;
  /** When the relay received it (ms). */
  at: number;
  /** When the SDK produced it (ms), when it said so. */
  createdAt: number;
  kind: 'actor' | 'event' | 'snapshot';
  /** The actor it is about (the receiver of an event). */
  actor: string;
  /** The sender of an event, when known. */
  sourceId: string | null;
  /** The event's type; for a snapshot, the event that produced it; for a registration, 'spawned'. */
  type: string;
  /** The event object (events), or null. */
  payload: unknown;
  /** Snapshot fields (snapshots and registrations). */
  value?: unknown;
  status?: string;
  context?: unknown;
}

export interface Participant {
  /** `${session}/${root actor id}`: stable across renders. */
  key: string;
  session: SessionView;
  root: ActorView;
}

export interface ActorState {
  actor: ActorView;
  value: unknown;
  status: string;
  context: unknown;
  /** The event the latest snapshot answered, and the state before it (to light the transition taken). */
  event: string | null;
  previousValue: unknown;
}

function parseMachineId(definition: unknown): string | null {
  if (typeof definition !== 'string') return null;
  try {
    const parsed = JSON.parse(definition) as { id?: unknown; states?: unknown };
    // A definition without states is a callback or promise actor's placeholder ({ id: name }).
    return typeof parsed.id === 'string' && typeof parsed.states === 'object' && parsed.states !== null ? parsed.id : null;
  } catch {
    return null;
  }
}

function timeOf(createdAt: unknown, fallback: number): number {
  const n = typeof createdAt === 'string' ? Number(createdAt) : typeof createdAt === 'number' ? createdAt : NaN;
  return Number.isFinite(n) ? n : fallback;
}

export class SessionView {
  readonly actors = new Map<string, ActorView>();
  readonly entries: Entry[] = [];

  constructor(public info: SessionInfo) {}

  add(seq: number, at: number, message: StatelyMessage): Entry | null {
    const createdAt = timeOf(message.createdAt, at);
    if (message.type === '@xstate.actor') {
      const known = this.actors.get(message.sessionId);
      const actor: ActorView = {
        id: message.sessionId,
        name: typeof message.name === 'string' ? message.name : message.sessionId,
        machine: parseMachineId(message.definition) ?? known?.machine ?? null,
        parentId: typeof message.parentId === 'string' ? message.parentId : null,
        rootId: typeof message.rootId === 'string' ? message.rootId : message.sessionId,
        seq: known?.seq ?? seq,
      };
      this.actors.set(actor.id, actor);
      // A registration repeated after a reconnect is not a second spawn.
      if (known) return null;
      return this.push({ seq, at, createdAt, kind: 'actor', actor: actor.id, sourceId: actor.parentId, type: 'spawned', payload: null, ...this.snapshotFields(message) });
    }
    this.ensureActor(message, seq);
    if (message.type === '@xstate.event') {
      const event = message.event ?? { type: 'unknown' };
      return this.push({ seq, at, createdAt, kind: 'event', actor: message.sessionId, sourceId: typeof message.sourceId === 'string' ? message.sourceId : null, type: String(event.type), payload: event });
    }
    return this.push({ seq, at, createdAt, kind: 'snapshot', actor: message.sessionId, sourceId: null, type: String(message.event?.type ?? ''), payload: null, ...this.snapshotFields(message) });
  }

  /** Root actors: one per inspected room (a page with two TRTC instances has two). */
  roots(): ActorView[] {
    return [...this.actors.values()].filter((a) => a.parentId === null || !this.actors.has(a.parentId)).sort((a, b) => a.seq - b.seq);
  }

  private snapshotFields(message: StatelyMessage): Pick<Entry, 'value' | 'status' | 'context'> {
    const snapshot = message.snapshot ?? {};
    return { value: snapshot.value, status: typeof snapshot.status === 'string' ? snapshot.status : 'active', context: snapshot.context };
  }

  /** Events for an actor the relay no longer holds the registration of still need somewhere to go. */
  private ensureActor(message: StatelyMessage, seq: number): void {
    if (this.actors.has(message.sessionId)) return;
    const rootId = typeof message.rootId === 'string' && message.rootId !== 'anonymous' ? message.rootId : message.sessionId;
    this.actors.set(message.sessionId, { id: message.sessionId, name: message.sessionId, machine: null, parentId: rootId === message.sessionId ? null : rootId, rootId, seq });
  }

  private push(entry: Entry): Entry | null {
    const last = this.entries[this.entries.length - 1];
    if (!last || last.seq < entry.seq) {
      this.entries.push(entry);
      return entry;
    }
    // Relay sequence numbers only grow; an older one is a repeat (or a replay interleaved with live messages).
    if (this.entries.some((e) => e.seq === entry.seq)) return null;
    this.entries.splice(this.entries.findIndex((e) => e.seq > entry.seq), 0, entry);
    return entry;
  }
}

export class InspectorModel {
  readonly sessions = new Map<string, SessionView>();
  /** True once the relay has replayed its history. */
  live = false;

  /** Apply one relay message; returns whether anything changed. */
  apply(message: ViewerMessage): boolean {
    switch (message.type) {
      case 'sessions': {
        const present = new Set(message.sessions.map((s) => s.id));
        for (const id of [...this.sessions.keys()]) if (!present.has(id)) this.sessions.delete(id);
        for (const info of message.sessions) this.upsert(info);
        return true;
      }
      case 'session':
        this.upsert(message.session);
        return true;
      case 'event': {
        const session = this.sessions.get(message.session) ?? this.upsert({ id: message.session, label: '', clientId: null, remoteAddress: '', connectedAt: message.at, closedAt: null, dropped: 0, received: 0 });
        return session.add(message.seq, message.at, message.event) !== null;
      }
      case 'live':
        this.live = true;
        return true;
      default:
        return false;
    }
  }

  participants(): Participant[] {
    const list: Participant[] = [];
    for (const session of this.sessions.values()) {
      for (const root of session.roots()) list.push({ key: `${session.info.id}/${root.id}`, session, root });
    }
    return list;
  }

  participant(key: string | null): Participant | null {
    return key === null ? null : (this.participants().find((p) => p.key === key) ?? null);
  }

  private upsert(info: SessionInfo): SessionView {
    const existing = this.sessions.get(info.id);
    if (existing) {
      existing.info = info;
      return existing;
    }
    const view = new SessionView(info);
    this.sessions.set(info.id, view);
    return view;
  }
}

/** A participant's own entries: those about its root actor or any actor under it. */
export function timelineOf(participant: Participant): Entry[] {
  const { session, root } = participant;
  return session.entries.filter((entry) => {
    const actor = session.actors.get(entry.actor);
    return actor !== undefined && (actor.id === root.id || actor.rootId === root.id);
  });
}

/**
 * Every actor of the participant as of `timeline[index]` (inclusive): registered by then and not stopped,
 * with its latest snapshot. Registration order, root first.
 */
export function stateAt(participant: Participant, timeline: readonly Entry[], index: number): ActorState[] {
  const { session } = participant;
  const states = new Map<string, ActorState>();
  const last = Math.min(index, timeline.length - 1);
  for (let i = 0; i <= last; i++) {
    const entry = timeline[i]!;
    const actor = session.actors.get(entry.actor);
    if (!actor) continue;
    if (entry.kind === 'actor') {
      if (!states.has(actor.id)) states.set(actor.id, { actor, value: entry.value, status: entry.status ?? 'active', context: entry.context, event: null, previousValue: undefined });
      continue;
    }
    if (entry.kind !== 'snapshot') continue;
    const before = states.get(actor.id);
    states.set(actor.id, { actor, value: entry.value, status: entry.status ?? 'active', context: entry.context, event: entry.type, previousValue: before?.value });
  }
  return [...states.values()].filter((s) => s.status === 'active').sort((a, b) => a.actor.seq - b.actor.seq);
}

/** How the page names a participant: the session's label, else the userID its room entered with. */
export function participantLabel(participant: Participant, rootState: ActorState | undefined): string {
  const label = participant.session.info.label;
  const context = rootState?.context as { params?: { userID?: unknown } | null } | undefined;
  const userID = typeof context?.params?.userID === 'string' ? context.params.userID : null;
  if (label && userID && label !== userID) return `${label} (${userID})`;
  return label || userID || `${participant.root.name} ${participant.key}`;
}

/** A state value on one line: active.inRoom{connection.connected, publication.published, ...}. */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  const entries = Object.entries(value as Record<string, unknown>);
  const inner = (key: string, child: unknown) => {
    const text = stateText(child);
    return text.startsWith('{') ? `${key}${text}` : text === '' ? key : `${key}.${text}`;
  };
  if (entries.length === 1) return inner(entries[0]![0], entries[0]![1]);
  return `{${entries.map(([key, child]) => inner(key, child)).join(', ')}}`;
}
