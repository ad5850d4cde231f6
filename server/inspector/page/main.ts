// The /inspect page: connects to the relay's view socket, keeps the model (../model.ts), draws each machine
// once with the chart renderer (../chart.ts, the same code that writes statecharts/*.svg) and, for the
// selected participant, lights the active states and lists the events as of the history slider's position.

import { ACTIVE_CLASS, FIRED_CLASS, activePaths, renderChart, type ChartMachine } from '../chart';
import { InspectorModel, participantLabel, stateAt, stateText, timelineOf, type ActorState, type Entry, type Participant } from '../model';
import { INSPECT_PATH, INSPECT_VIEW_PATH, type ViewerMessage } from '../../../src/inspect/protocol';
import { flattenPayload } from './payload';
import { sparklineSvg } from '../sparkline';
import type { ParticipantStats, RoomStatsResult, StoredSample, StreamStats } from '../../stats';

/** Event types too frequent or too internal for the log by default (the slider still walks them). */
const NOISE = /^(xstate\.|LIVE_PUSHER_NET_STATUS|LIVE_PLAYER_NET_STATUS|NET_STATUS|NET_STATS|LIVE_PUSHER_AUDIO_VOLUME|LIVE_PLAYER_AUDIO_VOLUME|AUDIO_VOLUME)/;
const PAYLOAD_PREVIEW = 240;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

const ui = {
  status: byId<HTMLSpanElement>('status'),
  participants: byId<HTMLUListElement>('participants'),
  ended: byId<HTMLDetailsElement>('ended'),
  endedCount: byId<HTMLSpanElement>('ended-count'),
  endedParticipants: byId<HTMLUListElement>('ended-participants'),
  tip: byId<HTMLDivElement>('tip'),
  noSessions: byId<HTMLParagraphElement>('no-sessions'),
  sdkUrl: byId<HTMLElement>('sdk-url'),
  statelyLink: byId<HTMLAnchorElement>('stately-link'),
  empty: byId<HTMLParagraphElement>('empty'),
  selected: byId<HTMLElement>('selected'),
  title: byId<HTMLHeadingElement>('participant-title'),
  live: byId<HTMLButtonElement>('live'),
  scrub: byId<HTMLInputElement>('scrub'),
  position: byId<HTMLSpanElement>('position'),
  actors: byId<HTMLDivElement>('actors'),
  filter: byId<HTMLInputElement>('filter'),
  hideNoise: byId<HTMLInputElement>('hide-noise'),
  logScroll: byId<HTMLDivElement>('log-scroll'),
  log: byId<HTMLTableElement>('log').tBodies[0]!,
  quality: byId<HTMLDivElement>('quality'),
  noQuality: byId<HTMLParagraphElement>('no-quality'),
};

/** A participant's list item, in either list. */
function participantItem(key: string): HTMLLIElement | null {
  return document.querySelector<HTMLLIElement>(`#sessions li[data-participant="${CSS.escape(key)}"]`);
}

const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
ui.sdkUrl.textContent = `${wsBase}${INSPECT_PATH}?key=<the SDK key the server printed>`;

/**
 * The view key, from the url the server printed (…/inspect#key=…; ?key= works too). The fragment never
 * leaves the browser: not in the server's logs, not in a Referer.
 */
function viewKey(): string {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('key');
  return fromHash ?? new URLSearchParams(location.search).get('key') ?? '';
}
const key = viewKey();

let model = new InspectorModel();
/** Chart SVG per machine id, once laid out. */
const charts = new Map<string, string>();
let selectedKey: string | null = null;
/** Index into the selected participant's timeline; null follows the newest entry. */
let cursor: number | null = null;
let timeline: Entry[] = [];
/** Log rows already drawn for the selected participant (rows are appended as entries arrive). */
let logCount = 0;
const actorSections = new Map<string, HTMLElement>();
let renderQueued = false;
/** Set when the user asks for live again: the log jumps to its newest row. */
let scrollToEnd = false;

// --- charts ------------------------------------------------------------------------------------------------

async function loadCharts(): Promise<void> {
  const list = (await (await fetch('/inspect/charts')).json()) as { charts: string[] };
  for (const name of list.charts) {
    const json = (await (await fetch(`/inspect/charts/${name}.json`)).json()) as ChartMachine;
    charts.set(json.id, await renderChart(json));
  }
  // Sections drawn before their chart was ready get it now.
  for (const section of actorSections.values()) fillChart(section);
  scheduleRender();
}

function fillChart(section: HTMLElement): void {
  const holder = section.querySelector<HTMLDivElement>('.chart')!;
  const svg = charts.get(section.dataset.machine ?? '');
  if (!svg || holder.dataset.filled === 'true') return;
  holder.innerHTML = svg;
  holder.dataset.filled = 'true';
}

// --- socket ------------------------------------------------------------------------------------------------

// A key pasted into a tab already open at /inspect changes only the fragment, which reloads nothing: start over
// with it.
window.addEventListener('hashchange', () => location.reload());

function connect(): void {
  if (key === '') {
    setStatus('closed', 'no key: open the inspector url the server printed (…/inspect#key=…)');
    return;
  }
  let opened = false;
  const ws = new WebSocket(`${wsBase}${INSPECT_VIEW_PATH}?key=${encodeURIComponent(key)}`);
  ws.onopen = () => {
    opened = true;
    // A fresh connection replays everything the relay holds: start from an empty model.
    model = new InspectorModel();
    setStatus('replaying', 'replaying history…');
  };
  ws.onmessage = (message: MessageEvent<unknown>) => {
    if (typeof message.data !== 'string') return;
    let parsed: ViewerMessage;
    try {
      parsed = JSON.parse(message.data) as ViewerMessage;
    } catch {
      return;
    }
    if (model.apply(parsed)) scheduleRender();
    if (parsed.type === 'live') setStatus('live', 'live');
  };
  ws.onclose = () => {
    // Refused before opening: most likely a wrong key (or another origin); retrying slowly costs nothing.
    setStatus('closed', opened ? 'disconnected: retrying…' : 'refused (wrong key?): retrying…');
    setTimeout(connect, opened ? 1000 : 5000);
  };
}

function setStatus(state: string, text: string): void {
  ui.status.dataset.status = state;
  ui.status.textContent = text;
}

// --- rendering ---------------------------------------------------------------------------------------------

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/** `…#key=…&label=…` (the call page's link): show that participant as soon as it is there, once. */
let wantedLabel = new URLSearchParams(location.hash.replace(/^#/, '')).get('label');

function render(): void {
  const participants = model.participants();
  if (wantedLabel !== null) {
    const wanted = participants.find((p) => p.session.info.label === wantedLabel && p.session.info.closedAt === null);
    if (wanted) {
      wantedLabel = null;
      select(wanted.key);
    }
  }
  if (selectedKey === null && participants.length > 0) select(participants[0]!.key);
  renderParticipants(participants);
  const participant = model.participant(selectedKey);
  ui.empty.hidden = participant !== null;
  ui.selected.hidden = participant === null;
  if (!participant) return;
  timeline = timelineOf(participant);
  const max = Math.max(0, timeline.length - 1);
  const at = cursor === null ? max : Math.min(cursor, max);
  ui.scrub.max = String(max);
  ui.scrub.value = String(at);
  ui.live.classList.toggle('on', cursor === null);
  const states = stateAt(participant, timeline, at);
  ui.title.textContent = participantLabel(participant, states.find((s) => s.actor.id === participant.root.id) ?? lastRootState(participant));
  renderPosition(participant, at);
  renderActors(participant, states);
  renderLog(participant, at);
}

/** The root's state at the newest entry: its label should not change while scrubbing. */
function lastRootState(participant: Participant): ActorState | undefined {
  const all = timelineOf(participant);
  return stateAt(participant, all, all.length - 1).find((s) => s.actor.id === participant.root.id);
}

/**
 * Participants in two lists: the live ones, and folded under "Ended" those whose session closed or whose room
 * actor stopped (a page that destroyed its TRTC and never stopped its inspector). A demo's visitors come and
 * go every 15 s; without the fold they bury the two that stay.
 */
function renderParticipants(participants: Participant[]): void {
  ui.noSessions.hidden = participants.length > 0;
  const seen = new Set<string>();
  let ended = 0;
  for (const participant of participants) {
    seen.add(participant.key);
    let item = participantItem(participant.key);
    if (!item) {
      item = document.createElement('li');
      item.dataset.participant = participant.key;
      item.innerHTML = '<span class="label"></span><span class="summary"></span><span class="meta"></span>';
      item.addEventListener('click', () => select(participant.key));
    }
    const root = lastRootState(participant);
    const over = participant.session.info.closedAt !== null || root === undefined;
    if (over) ended += 1;
    const list = over ? ui.endedParticipants : ui.participants;
    // The newest ended first: the one that just left is the one a reader looks for.
    if (item.parentElement !== list) {
      if (over) list.prepend(item);
      else list.append(item);
    }
    item.classList.toggle('ended', over);
    const label = participantLabel(participant, root);
    item.dataset.label = label;
    item.querySelector('.label')!.textContent = label;
    const closedAt = participant.session.info.closedAt;
    // An ended session's last state is history, not what is true now: say that it ended.
    item.querySelector('.summary')!.textContent = closedAt !== null ? `ended ${formatTime(closedAt)}` : root ? stateText(root.value) : 'stopped (its TRTC was destroyed)';
    const info = participant.session.info;
    const count = timelineOf(participant).length;
    item.querySelector('.meta')!.textContent = `${info.id} · ${info.closedAt === null ? 'connected' : 'closed'} · ${count} entries${info.dropped ? ` (${info.dropped} dropped)` : ''}`;
    item.classList.toggle('selected', participant.key === selectedKey);
    item.classList.toggle('closed', info.closedAt !== null);
  }
  for (const item of [...ui.participants.querySelectorAll<HTMLLIElement>('li'), ...ui.endedParticipants.querySelectorAll<HTMLLIElement>('li')]) {
    if (!seen.has(item.dataset.participant ?? '')) item.remove();
  }
  ui.ended.hidden = ended === 0;
  ui.endedCount.textContent = String(ended);
}

function select(key: string): void {
  if (key === selectedKey) return;
  selectedKey = key;
  cursor = null;
  logCount = 0;
  ui.log.replaceChildren();
  ui.actors.replaceChildren();
  actorSections.clear();
  const session = key.slice(0, key.indexOf('/'));
  ui.statelyLink.href = `/inspect/stately?session=${encodeURIComponent(session)}#key=${encodeURIComponent(key)}`;
  scheduleRender();
}

function formatTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function actorName(participant: Participant, id: string | null): string {
  if (id === null) return '';
  return participant.session.actors.get(id)?.name ?? id;
}

function renderPosition(participant: Participant, at: number): void {
  const entry = timeline[at];
  if (!entry) {
    ui.position.textContent = 'no events yet';
    return;
  }
  const what = entry.kind === 'snapshot' ? `${actorName(participant, entry.actor)} took ${entry.type}` : `${entry.type} → ${actorName(participant, entry.actor)}`;
  ui.position.textContent = `${at + 1} / ${timeline.length} · ${formatTime(entry.createdAt)} · ${what}${cursor === null ? '' : ' (history)'}`;
}

function renderActors(participant: Participant, states: ActorState[]): void {
  const charted = states.filter((s) => s.actor.machine !== null && (charts.has(s.actor.machine) || charts.size === 0));
  const keep = new Set(charted.map((s) => s.actor.id));
  for (const [id, section] of actorSections) {
    if (!keep.has(id)) {
      section.remove();
      actorSections.delete(id);
    }
  }
  for (const state of charted) {
    let section = actorSections.get(state.actor.id);
    if (!section) {
      section = document.createElement('section');
      section.className = 'actor';
      section.dataset.actor = state.actor.id;
      section.dataset.name = state.actor.name;
      section.dataset.machine = state.actor.machine ?? '';
      section.innerHTML = '<header><h3></h3><span class="state"></span><span class="helpers"></span></header><div class="chart"></div>';
      section.querySelector('h3')!.textContent = state.actor.machine === state.actor.name ? state.actor.name : `${state.actor.machine} ${state.actor.name}`;
      const chart = section.querySelector<HTMLDivElement>('.chart')!;
      chart.addEventListener('click', () => chart.classList.toggle('zoomed'));
      fillChart(section);
      actorSections.set(state.actor.id, section);
    }
    // Registration order: the root, then the pusher and the players as they came.
    ui.actors.append(section);
    section.querySelector('.state')!.textContent = stateText(state.value);
    section.dataset.state = stateText(state.value);
    const helpers = states.filter((s) => s.actor.parentId === state.actor.id && s.actor.machine === null).map((s) => s.actor.name);
    section.querySelector('.helpers')!.textContent = helpers.length > 0 ? `also running: ${helpers.join(', ')}` : '';
    highlight(section, state);
  }
}

function highlight(section: HTMLElement, state: ActorState): void {
  const machine = state.actor.machine ?? '';
  const now = new Set(activePaths(machine, state.value));
  const before = state.previousValue === undefined ? new Set<string>() : new Set(activePaths(machine, state.previousValue));
  for (const node of section.querySelectorAll<SVGGElement>('g[data-state]')) node.classList.toggle(ACTIVE_CLASS, now.has(node.dataset.state ?? ''));
  for (const edge of section.querySelectorAll<SVGGElement>('g[data-transition]')) {
    const event = edge.dataset.event ?? '';
    const matches = state.event !== null && (event === state.event || (event.startsWith('xstate.after.') && state.event.startsWith(event)));
    edge.classList.toggle(FIRED_CLASS, matches && before.has(edge.dataset.source ?? '') && now.has(edge.dataset.target ?? ''));
  }
}

function payloadText(entry: Entry): string {
  if (entry.kind === 'actor') return entry.value === undefined ? '' : `state ${stateText(entry.value)}`;
  const payload = entry.payload;
  if (typeof payload !== 'object' || payload === null) return '';
  const { type: _type, ...rest } = payload as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? JSON.stringify(flattenPayload(rest)) : '';
}

function logRow(participant: Participant, entry: Entry, index: number): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.index = String(index);
  row.dataset.seq = String(entry.seq);
  row.dataset.type = entry.type;
  row.dataset.actor = actorName(participant, entry.actor);
  row.dataset.kind = entry.kind;
  if (entry.kind === 'actor') row.classList.add('spawn');
  const payload = payloadText(entry);
  const cells = [
    String(index + 1),
    formatTime(entry.createdAt),
    actorName(participant, entry.actor),
    // An event without a sender came from outside the actors: the page, through the facade or the actor API.
    entry.sourceId === null ? 'page' : entry.kind === 'actor' ? `spawned by ${actorName(participant, entry.sourceId)}` : actorName(participant, entry.sourceId),
    entry.kind === 'actor' ? `spawned (${participant.session.actors.get(entry.actor)?.machine ?? 'actor'})` : entry.type,
    payload.length > PAYLOAD_PREVIEW ? `${payload.slice(0, PAYLOAD_PREVIEW)}…` : payload,
  ];
  cells.forEach((text, i) => {
    const cell = document.createElement('td');
    cell.textContent = text;
    if (i === 4) cell.className = 'type';
    if (i === 5) {
      cell.className = 'payload';
      cell.title = payload;
    }
    row.append(cell);
  });
  // A row shows the state its event led to: the receiver's next snapshot answering that event.
  row.addEventListener('click', () => {
    cursor = answerOf(index);
    scheduleRender();
  });
  return row;
}

function answerOf(index: number): number {
  const entry = timeline[index];
  if (!entry || entry.kind !== 'event') return index;
  for (let i = index + 1; i < timeline.length; i++) {
    const next = timeline[i]!;
    if (next.kind === 'snapshot' && next.actor === entry.actor && next.type === entry.type) return i;
  }
  return index;
}

function rowHidden(row: HTMLTableRowElement): boolean {
  const filter = ui.filter.value.trim().toLowerCase();
  if (ui.hideNoise.checked && row.dataset.kind !== 'actor' && NOISE.test(row.dataset.type ?? '')) return true;
  return filter !== '' && !row.textContent!.toLowerCase().includes(filter);
}

function renderLog(participant: Participant, at: number): void {
  const stick = ui.logScroll.scrollTop + ui.logScroll.clientHeight >= ui.logScroll.scrollHeight - 8;
  // Rows are the entries the log shows (events and spawns); snapshots only move the charts.
  for (let i = logCount; i < timeline.length; i++) {
    const entry = timeline[i]!;
    if (entry.kind === 'snapshot') continue;
    const row = logRow(participant, entry, i);
    row.classList.toggle('hidden', rowHidden(row));
    ui.log.append(row);
  }
  logCount = timeline.length;
  // The current row is the event the shown snapshot answers (other events may have been queued between the
  // two), else the last row at or before the cursor.
  const shown = timeline[at];
  let current: HTMLTableRowElement | null = null;
  let answered: HTMLTableRowElement | null = null;
  for (const row of ui.log.rows) {
    const index = Number(row.dataset.index);
    row.classList.toggle('future', index > at);
    if (index > at) continue;
    current = row;
    const entry = timeline[index];
    if (shown?.kind === 'snapshot' && entry?.kind === 'event' && entry.actor === shown.actor && entry.type === shown.type) answered = row;
  }
  current = answered ?? current;
  for (const row of ui.log.querySelectorAll('tr.current')) row.classList.remove('current');
  current?.classList.add('current');
  if (cursor === null && (stick || scrollToEnd)) ui.logScroll.scrollTop = ui.logScroll.scrollHeight;
  else if (cursor !== null && current) current.scrollIntoView({ block: 'nearest' });
  scrollToEnd = false;
}

function refilter(): void {
  for (const row of ui.log.rows) row.classList.toggle('hidden', rowHidden(row));
}

ui.scrub.addEventListener('input', () => {
  const value = Number(ui.scrub.value);
  cursor = value >= Number(ui.scrub.max) ? null : value;
  scheduleRender();
});
ui.live.addEventListener('click', () => {
  cursor = null;
  scrollToEnd = true;
  scheduleRender();
});
// The charts are drawn to fit their column, which makes their labels small: hovering a transition or a state
// shows its label at a readable size beside the pointer.
function tipFor(target: EventTarget | null): string | null {
  if (!(target instanceof Element)) return null;
  const edge = target.closest<SVGGElement>('g.wxc-edge');
  if (edge) {
    const label = edge.querySelector('text')?.textContent ?? edge.dataset.event ?? '';
    const from = (edge.dataset.source ?? '').split('.').slice(1).join('.') || edge.dataset.source;
    const to = (edge.dataset.target ?? '').split('.').slice(1).join('.') || edge.dataset.target;
    return `${label}\n${from} → ${to}`;
  }
  const state = target.closest<SVGGElement>('g[data-state]');
  return state ? (state.dataset.state ?? null) : null;
}

ui.actors.addEventListener('mousemove', (event: MouseEvent) => {
  const text = tipFor(event.target);
  if (text === null) {
    ui.tip.hidden = true;
    return;
  }
  ui.tip.textContent = text;
  ui.tip.hidden = false;
  const x = Math.min(event.clientX + 14, window.innerWidth - ui.tip.offsetWidth - 8);
  const y = event.clientY + 18 + ui.tip.offsetHeight > window.innerHeight ? event.clientY - ui.tip.offsetHeight - 10 : event.clientY + 18;
  ui.tip.style.left = `${Math.max(4, x)}px`;
  ui.tip.style.top = `${Math.max(4, y)}px`;
});
ui.actors.addEventListener('mouseleave', () => {
  ui.tip.hidden = true;
});

ui.filter.addEventListener('input', refilter);
ui.hideNoise.addEventListener('change', refilter);

// --- call quality ------------------------------------------------------------------------------------------

/** How often the page asks for the quality series (the SDK samples every 2 s). */
const QUALITY_POLL_MS = 2000;
/** Rooms whose "ended" fold the reader opened: the panel is redrawn on every poll. */
const openQualityFolds = new Set<string>();

/** The userID of the selected participant's room, to mark its quality entry. */
function selectedUserID(): string | null {
  const participant = model.participant(selectedKey);
  const context = participant ? (lastRootState(participant)?.context as { params?: { userID?: unknown } } | undefined) : undefined;
  return typeof context?.params?.userID === 'string' ? context.params.userID : null;
}

function metricRow(metric: string, values: Array<number | undefined>, unit: string): HTMLDivElement {
  const row = document.createElement('div');
  row.className = 'quality-metric';
  row.dataset.metric = metric;
  const latest = [...values].reverse().find((v) => typeof v === 'number');
  const value = document.createElement('span');
  value.className = 'value';
  value.textContent = latest === undefined ? `${metric} –` : `${Math.round(latest * 10) / 10}${unit}`;
  value.title = metric;
  const graph = document.createElement('div');
  graph.innerHTML = sparklineSvg(values, metric);
  row.append(value, graph);
  return row;
}

function streamBlock(stream: StreamStats): HTMLDivElement {
  const block = document.createElement('div');
  block.className = 'quality-stream';
  block.dataset.stream = `${stream.kind}:${stream.userID}:${stream.streamType}`;
  const name = document.createElement('span');
  name.className = 'name';
  const last: StoredSample | undefined = stream.samples[stream.samples.length - 1];
  const size = last?.videoWidth && last.videoHeight ? ` · ${last.videoWidth}×${last.videoHeight}` : '';
  const quality = last?.netQualityLevel !== undefined ? ` · quality ${last.netQualityLevel}` : '';
  name.textContent = `${stream.kind === 'push' ? 'up' : `down from ${stream.userID}`} ${stream.streamType}${size}${quality} · ${stream.samples.length} samples`;
  block.append(name);
  const bitrate = stream.samples.map((s) => (s.videoBitrate === undefined && s.audioBitrate === undefined ? undefined : (s.videoBitrate ?? 0) + (s.audioBitrate ?? 0)));
  block.append(metricRow('bitrate', bitrate, ' kbps'));
  block.append(metricRow('fps', stream.samples.map((s) => s.videoFPS), ' fps'));
  // WeChat's netstatus has no loss rate; a component that reports one is drawn, else the jitter it does report.
  const hasLoss = stream.samples.some((s) => s.packetLoss !== undefined);
  block.append(hasLoss ? metricRow('loss', stream.samples.map((s) => s.packetLoss), '% loss') : metricRow('jitter', stream.samples.map((s) => s.netJitter), ' jitter'));
  return block;
}

function participantBlock(participant: ParticipantStats, mine: string | null): HTMLDivElement {
  const block = document.createElement('div');
  block.className = 'quality-participant';
  block.dataset.user = participant.userID;
  block.dataset.source = participant.source;
  block.classList.toggle('ended', participant.endedAt !== null);
  block.classList.toggle('selected', participant.userID === mine);
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = `${participant.userID}${participant.source === 'report' ? ' (reported)' : ''}${participant.endedAt !== null ? ` · ended ${formatTime(participant.endedAt)}` : ''}`;
  block.append(who);
  for (const stream of participant.streams) block.append(streamBlock(stream));
  return block;
}

function renderQuality(rooms: RoomStatsResult[]): void {
  const mine = selectedUserID();
  const blocks = rooms.map((room) => {
    const section = document.createElement('section');
    section.className = 'quality-room';
    section.dataset.room = room.roomKey;
    const title = document.createElement('h3');
    title.textContent = `room ${room.roomKey.slice(2)}`;
    section.append(title, ...room.participants.filter((p) => p.endedAt === null).map((p) => participantBlock(p, mine)));
    // Those who left stay readable for the retention time, folded: a demo's visitors would bury the two who stay.
    const ended = room.participants.filter((p) => p.endedAt !== null);
    if (ended.length > 0) {
      const fold = document.createElement('details');
      fold.className = 'quality-ended';
      fold.open = openQualityFolds.has(room.roomKey);
      fold.addEventListener('toggle', () => (fold.open ? openQualityFolds.add(room.roomKey) : openQualityFolds.delete(room.roomKey)));
      const summary = document.createElement('summary');
      summary.textContent = `ended (${ended.length})`;
      fold.append(summary, ...ended.reverse().map((p) => participantBlock(p, mine)));
      section.append(fold);
    }
    return section;
  });
  ui.quality.replaceChildren(...blocks);
  ui.noQuality.hidden = blocks.length > 0;
}

async function pollQuality(): Promise<void> {
  try {
    const response = await fetch('/inspect/stats', { headers: { 'x-inspector-key': key }, cache: 'no-store' });
    if (response.ok) renderQuality(((await response.json()) as { rooms: RoomStatsResult[] }).rooms);
  } catch {
    // The server is away: the socket's status says so; try again on the next tick.
  }
  setTimeout(() => void pollQuality(), QUALITY_POLL_MS);
}

connect();
if (key !== '') void pollQuality();
loadCharts().catch((error: unknown) => setStatus('closed', `charts failed: ${error instanceof Error ? error.message : String(error)}`));
