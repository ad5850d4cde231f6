// pusherAttributes and playerAttributes: the objects a page binds to <live-pusher> and <live-player>.
// Defaults follow the seed's tables; keys the seed omits but trtc-wx's WXML binds are added with trtc-wx's
// values. Validation rejects a known key with the wrong type; unknown keys pass through so a page can bind
// attributes newer than this SDK.

import { ErrorCode, WxrtcError } from './errors';

export type NetStatus = Readonly<Record<string, unknown>>;

/** What a page binds to <live-pusher> (`pusher` in trtc-wx's WXML), with trtc-wx's names and defaults. */
export interface PusherAttributes {
  url: string;
  mode: string;
  autopush: boolean;
  enableCamera: boolean;
  enableMic: boolean;
  enableAgc: boolean;
  enableAns: boolean;
  enableEarMonitor: boolean;
  enableAutoFocus: boolean;
  enableZoom: boolean;
  minBitrate: number;
  maxBitrate: number;
  videoWidth: number;
  videoHeight: number;
  beautyLevel: number;
  whitenessLevel: number;
  videoOrientation: string;
  videoAspect: string;
  frontCamera: string;
  enableRemoteMirror: boolean;
  localMirror: string;
  enableBackgroundMute: boolean;
  audioQuality: string;
  audioVolumeType: string;
  audioReverbType: number;
  waitingImage: string;
  waitingImageHash: string;
  beautyStyle: string;
  filter: string;
  netStatus: NetStatus;
  volume: number;
  /** Anything else the page set (identity fields from enterRoom, attributes newer than this SDK). */
  readonly [extra: string]: unknown;
}

/** A remote user's camera stream (`main`) or screen share (`aux`). */
export type StreamType = 'main' | 'aux';

/** What a page binds to one <live-player> (an item of `playerList`); `id` is `userID_main` or `userID_aux`. */
export interface PlayerAttributes {
  id: string;
  userID: string;
  streamType: StreamType;
  streamID: string;
  src: string;
  mode: string;
  autoplay: boolean;
  muteAudio: boolean;
  muteVideo: boolean;
  orientation: string;
  objectFit: string;
  enableBackgroundMute: boolean;
  minCache: number;
  maxCache: number;
  soundMode: string;
  enableRecvMessage: boolean;
  autoPauseIfNavigate: boolean;
  autoPauseIfOpenNative: boolean;
  isVisible: boolean;
  /** 'main' (big) or 'small' picture, toggled by switchStreamType. */
  _definitionType: 'main' | 'small';
  hasVideo: boolean;
  hasAudio: boolean;
  volume: number;
  netStatus: NetStatus;
  readonly [extra: string]: unknown;
}

/** The pusher attributes createPusher starts from (trtc-wx's API document). */
export const DEFAULT_PUSHER_ATTRIBUTES: Readonly<PusherAttributes> = Object.freeze({
  url: '',
  mode: 'RTC',
  autopush: false,
  enableCamera: false,
  enableMic: false,
  enableAgc: false,
  enableAns: false,
  enableEarMonitor: false,
  enableAutoFocus: true,
  enableZoom: false,
  minBitrate: 600,
  maxBitrate: 900,
  videoWidth: 360,
  videoHeight: 640,
  beautyLevel: 0,
  whitenessLevel: 0,
  videoOrientation: 'vertical',
  videoAspect: '9:16',
  frontCamera: 'front',
  enableRemoteMirror: false,
  localMirror: 'auto',
  enableBackgroundMute: false,
  audioQuality: 'high',
  audioVolumeType: 'voicecall',
  audioReverbType: 0,
  waitingImage: '',
  waitingImageHash: '',
  beautyStyle: 'smooth',
  filter: '',
  netStatus: {},
  volume: 0,
});

/**
 * The seed's playerAttributes defaults. Note muteAudio/muteVideo are true (the seed: "默认不主动拉音视频流，
 * 需要您手动进行订阅"); trtc-wx 1.1.6+ defaults them to false. README lists this difference.
 */
export const DEFAULT_PLAYER_ATTRIBUTES = Object.freeze({
  src: '',
  mode: 'RTC',
  autoplay: true,
  muteAudio: true,
  muteVideo: true,
  orientation: 'vertical',
  objectFit: 'fillCrop',
  enableBackgroundMute: false,
  minCache: 1,
  maxCache: 2,
  soundMode: 'speaker',
  enableRecvMessage: false,
  autoPauseIfNavigate: true,
  autoPauseIfOpenNative: true,
  isVisible: true,
  _definitionType: 'main' as const,
  netStatus: {},
  hasVideo: false,
  hasAudio: false,
  volume: 0,
  // trtc-wx's players carry this key, unset; a client that lists or copies the attributes sees the same keys.
  playerContext: undefined,
});

type Rule = 'boolean' | 'number' | 'string' | 'object' | readonly string[] | readonly [number, number];

const PUSHER_RULES: Readonly<Record<string, Rule>> = {
  url: 'string',
  mode: ['RTC', 'live', 'SD', 'HD', 'FHD'],
  autopush: 'boolean',
  enableCamera: 'boolean',
  enableMic: 'boolean',
  enableAgc: 'boolean',
  enableAns: 'boolean',
  enableEarMonitor: 'boolean',
  enableAutoFocus: 'boolean',
  enableZoom: 'boolean',
  minBitrate: [0, 100_000],
  maxBitrate: [0, 100_000],
  videoWidth: [0, 4096],
  videoHeight: [0, 4096],
  beautyLevel: [0, 9],
  whitenessLevel: [0, 9],
  videoOrientation: ['vertical', 'horizontal'],
  videoAspect: 'string',
  frontCamera: ['front', 'back'],
  enableRemoteMirror: 'boolean',
  localMirror: ['auto', 'enable', 'disable'],
  enableBackgroundMute: 'boolean',
  audioQuality: ['high', 'low'],
  audioVolumeType: ['media', 'voicecall', 'auto'],
  audioReverbType: [0, 7],
  waitingImage: 'string',
  waitingImageHash: 'string',
  beautyStyle: ['smooth', 'nature'],
  filter: 'string',
  netStatus: 'object',
  volume: [0, 100],
};

const PLAYER_RULES: Readonly<Record<string, Rule>> = {
  src: 'string',
  mode: ['RTC', 'live'],
  autoplay: 'boolean',
  muteAudio: 'boolean',
  muteVideo: 'boolean',
  orientation: ['vertical', 'horizontal'],
  objectFit: ['contain', 'fillCrop'],
  enableBackgroundMute: 'boolean',
  minCache: [0, 60],
  maxCache: [0, 60],
  soundMode: ['speaker', 'ear'],
  enableRecvMessage: 'boolean',
  autoPauseIfNavigate: 'boolean',
  autoPauseIfOpenNative: 'boolean',
  isVisible: 'boolean',
  netStatus: 'object',
  volume: [0, 100],
};

/** Keys a page may not change on a player: they identify the stream and are owned by the room. */
const PLAYER_IDENTITY_KEYS = new Set(['id', 'userID', 'streamType', 'streamID', 'hasVideo', 'hasAudio', '_definitionType']);

function describeRule(rule: Rule): string {
  if (typeof rule === 'string') return `a ${rule}`;
  if (typeof rule[0] === 'number') return `a number in ${rule[0]}..${rule[1]}`;
  return `one of ${(rule as readonly string[]).map((v) => `'${v}'`).join(', ')}`;
}

function satisfies(rule: Rule, value: unknown): boolean {
  if (rule === 'boolean') return typeof value === 'boolean';
  if (rule === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (rule === 'string') return typeof value === 'string';
  if (rule === 'object') return typeof value === 'object' && value !== null;
  if (typeof rule[0] === 'number') {
    const [min, max] = rule as readonly [number, number];
    return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  }
  return typeof value === 'string' && (rule as readonly string[]).includes(value);
}

function checkAgainst(
  rules: Readonly<Record<string, Rule>>,
  what: 'pusher' | 'player',
  config: unknown,
  forbidden?: ReadonlySet<string>,
): WxrtcError | null {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return new WxrtcError(ErrorCode.INVALID_ATTRIBUTE, `${what} attributes must be an object`);
  }
  for (const [key, value] of Object.entries(config)) {
    if (forbidden?.has(key)) {
      return new WxrtcError(ErrorCode.INVALID_ATTRIBUTE, `${what} attribute '${key}' is managed by the room and cannot be set`, { key });
    }
    const rule = rules[key];
    if (rule !== undefined && !satisfies(rule, value)) {
      return new WxrtcError(
        ErrorCode.INVALID_ATTRIBUTE,
        `${what} attribute '${key}' must be ${describeRule(rule)}, got ${JSON.stringify(value)}`,
        { key },
      );
    }
  }
  return null;
}

/** null when every known key in `config` has the right type; otherwise the first problem found. */
export function checkPusherAttributes(config: unknown): WxrtcError | null {
  return checkAgainst(PUSHER_RULES, 'pusher', config);
}

/** Validate a setPlayerAttributes config: null when fine, else the error (7010) naming the bad attribute. */
export function checkPlayerAttributes(config: unknown): WxrtcError | null {
  return checkAgainst(PLAYER_RULES, 'player', config, PLAYER_IDENTITY_KEYS);
}

/** `${userID}_${streamType}`, the id trtc-wx gives players (and <live-player id>). */
export function playerIdOf(userID: string, streamType: StreamType): string {
  return `${userID}_${streamType}`;
}

/** The inverse of playerIdOf; the user id itself may contain underscores, the stream type never does. */
export function parsePlayerId(id: string): { userID: string; streamType: StreamType } | null {
  const cut = id.lastIndexOf('_');
  if (cut <= 0) return null;
  const streamType = id.slice(cut + 1);
  if (streamType !== 'main' && streamType !== 'aux') return null;
  return { userID: id.slice(0, cut), streamType };
}

export interface NewPlayerInput {
  userID: string;
  streamType: StreamType;
  src: string;
  hasVideo: boolean;
  hasAudio: boolean;
}

export function initialPlayerAttributes(input: NewPlayerInput): PlayerAttributes {
  const id = playerIdOf(input.userID, input.streamType);
  return {
    ...DEFAULT_PLAYER_ATTRIBUTES,
    // A screen share is a document or a slide: show all of it rather than crop. Its audio starts unmuted:
    // trtc-wx 1.1.3 found Android silent during a remote screen share otherwise.
    ...(input.streamType === 'aux' ? { objectFit: 'contain', muteAudio: false } : {}),
    id,
    userID: input.userID,
    streamType: input.streamType,
    streamID: id,
    src: input.src,
    hasVideo: input.hasVideo,
    hasAudio: input.hasAudio,
  };
}
