// Benchmark 7's measuring side: what a user's phone pays, one sample per fresh `node` process (bench/users.ts
// bundles this file with esbuild and runs it with plain node, so neither SDK is loaded through a TypeScript
// loader and nothing is JIT-warm). Prints one JSON line.
//   cold <sdk>                  require -> LOCAL_JOIN: wall, CPU, heap after (needs --expose-gc)
//   call <sdk> <people> <secs>  a call of that many people (the local user included): CPU per event
//   steady <sdk> <people> <from> <to>  a call of <to> minutes: CPU per event over minutes <from>..<to> only
//   exit <sdk> <players> <rooms> exitRoom in rooms of that many remote players: wall per call
// Both SDKs run the same page: trtc-wx's documented pattern (whole lists from what calls return and events
// carry), the page a drop-in replacement gets unchanged.

import { installWx } from '../src/testing/wx';
import { playerEvent, pusherEvent, status } from '../test/helpers/status';
import { callScript, type CallEvent } from './call-script';
import { leanPage } from './lib/pages';
import { enter, loadSdk, ROOM_PARAMS, settle, tick, wirePage, type FacadeLike, type PageLike, type SdkName } from './lib/sdk';

const collect = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  if (!collect) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) collect();
  return process.memoryUsage().heapUsed;
}

const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const wallNow = (): number => Number(process.hrtime.bigint()) / 1e6;

function deliver(sdk: FacadeLike, event: CallEvent): void {
  switch (event.kind) {
    case 'status':
      return sdk.pusherEventHandler(pusherEvent(event.status));
    case 'playerVolume':
      return sdk.playerAudioVolumeNotify(playerEvent(event.id, { volume: event.volume }));
    case 'playerNet':
      return sdk.playerNetStatus(playerEvent(event.id, { info: event.info }));
    case 'pusherVolume':
      return sdk.pusherAudioVolumeNotify({ type: 'audiovolumenotify', detail: { volume: event.volume }, currentTarget: { id: 'pusher', dataset: {} } });
    case 'pusherNet':
      return sdk.pusherNetStatusHandler({ type: 'netstatus', detail: { info: event.info }, currentTarget: { id: 'pusher', dataset: {} } });
  }
}

/** The page of trtc-wx's guide, on the lean page host (what the logic layer pays per setData). */
function openPage(Sdk: new (page: object, options: object) => FacadeLike): { sdk: FacadeLike; page: PageLike } {
  const page = leanPage();
  const sdk = new Sdk(page, { env: 'test' });
  wirePage(sdk, page, 'documented');
  return { sdk, page };
}

async function cold(name: SdkName): Promise<Record<string, number>> {
  installWx();
  // Whatever the process start left behind (module loading, its async tail) is settled and collected first:
  // taken straight away, the baseline sometimes held ~225 KB that a later collection freed.
  await settle();
  heap();
  const before = heap();
  const wall0 = wallNow();
  const cpu0 = cpuNow();
  let joined: { wall: number; cpu: number } | null = null;
  const Sdk = loadSdk(name);
  const { sdk, page } = openPage(Sdk);
  sdk.on(sdk.EVENT.LOCAL_JOIN!, () => {
    joined ??= { wall: wallNow(), cpu: cpuNow() };
  });
  enter(sdk, page, 'documented', ROOM_PARAMS);
  sdk.pusherEventHandler(pusherEvent(status.entered()));
  // Both SDKs hand LOCAL_JOIN over before the handler call returns; a later one would still be caught here.
  if (!joined) await settle();
  const at = joined as { wall: number; cpu: number } | null;
  if (!at) throw new Error('cold start: no LOCAL_JOIN');
  const after = heap();
  // The page and its SDK stay reachable until the heap was read.
  if (!sdk.getPlayerList()) throw new Error('unreachable');
  return { wallMs: at.wall - wall0, cpuMs: at.cpu - cpu0, heapBytes: after - before };
}

async function call(name: SdkName, people: number, seconds: number): Promise<Record<string, number>> {
  installWx();
  const script = callScript(people, seconds);
  const Sdk = loadSdk(name);
  const start = cpuNow();
  const { sdk, page } = openPage(Sdk);
  enter(sdk, page, 'documented', ROOM_PARAMS);
  for (const event of script) {
    deliver(sdk, event);
    await tick();
  }
  await settle();
  const cpuMs = cpuNow() - start;
  const list = page.data.playerList as Array<{ hasAudio?: boolean }>;
  if (list.length !== people - 1 || !list.every((p) => p.hasAudio === true)) throw new Error(`call: ${list.length} of ${people - 1} players on the page`);
  return { cpuPerEventUs: (cpuMs * 1000) / script.length, events: script.length, cpuMs };
}

/**
 * Minutes `fromMin`..`toMin` of a call: what a phone pays once the call has settled (players built, lists
 * on the page, the engine warm). The first `fromMin` minutes run unmeasured.
 */
async function steady(name: SdkName, people: number, fromMin: number, toMin: number): Promise<Record<string, number>> {
  installWx();
  const script = callScript(people, toMin * 60);
  const from = script.findIndex((event) => event.at >= fromMin * 60_000);
  const Sdk = loadSdk(name);
  const { sdk, page } = openPage(Sdk);
  enter(sdk, page, 'documented', ROOM_PARAMS);
  let start = 0;
  for (let i = 0; i < script.length; i++) {
    if (i === from) {
      await settle();
      start = cpuNow();
    }
    deliver(sdk, script[i]!);
    await tick();
  }
  await settle();
  const cpuMs = cpuNow() - start;
  const measured = script.length - from;
  const list = page.data.playerList as Array<{ hasAudio?: boolean }>;
  if (list.length !== people - 1 || !list.every((p) => p.hasAudio === true)) throw new Error(`steady: ${list.length} of ${people - 1} players on the page`);
  return { cpuPerEventUs: (cpuMs * 1000) / measured, events: measured, cpuMs };
}

async function exit(name: SdkName, players: number, rooms: number): Promise<Record<string, number>> {
  const { wx } = installWx();
  const Sdk = loadSdk(name);
  const open: FacadeLike[] = [];
  for (let r = 0; r < rooms; r++) {
    const { sdk, page } = openPage(Sdk);
    enter(sdk, page, 'documented', ROOM_PARAMS);
    sdk.pusherEventHandler(pusherEvent(status.entered()));
    for (let i = 0; i < players; i++) {
      const user = `user${String(i).padStart(3, '0')}`;
      for (const s of [status.joined(user), status.video(user, true), status.audio(user, true)]) {
        sdk.pusherEventHandler(pusherEvent(s));
        await tick();
      }
    }
    await settle();
    if (sdk.getPlayerList().length !== players) throw new Error(`exit: ${sdk.getPlayerList().length} of ${players} players`);
    open.push(sdk);
  }
  // The headless wx's log of context calls belongs to the rig, not to either SDK.
  wx.calls.length = 0;
  let wallMs = 0;
  let cpuMs = 0;
  for (const sdk of open) {
    const t0 = wallNow();
    const c0 = cpuNow();
    const left = sdk.exitRoom();
    cpuMs += cpuNow() - c0;
    wallMs += wallNow() - t0;
    if (left.playerList.length !== 0) throw new Error('exit: players left on the page');
  }
  await settle();
  // CPU as well as wall: on a shared machine the wall figure also holds the time the process waited for a core.
  return { wallMsPerExit: wallMs / rooms, cpuMsPerExit: cpuMs / rooms, rooms, players };
}

async function main(): Promise<Record<string, number>> {
  const [probe, name, a, b, c] = process.argv.slice(2) as [string, SdkName, string | undefined, string | undefined, string | undefined];
  if (probe === 'cold') return cold(name);
  if (probe === 'call') return call(name, Number(a ?? 2), Number(b ?? 60));
  if (probe === 'exit') return exit(name, Number(a ?? 50), Number(b ?? 5));
  if (probe === 'steady') return steady(name, Number(a ?? 2), Number(b ?? 20), Number(c ?? 30));
  throw new Error(`unknown probe ${probe}`);
}

// trtc-wx prints on exitRoom (console.log): the answer is this process's last line.
main().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
