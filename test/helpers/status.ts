// <live-pusher> status events in the formats WeChat's TRTC implementation sends (and trtc-wx parses).

export interface PusherStatus {
  code: number;
  message: string;
}

const playUrl = (userid: string, streamtype: string) => `room://cloud.tencent.com/rtc?userid=${userid}&streamtype=${streamtype}`;

export const status = {
  entered: (): PusherStatus => ({ code: 1018, message: 'enter room success' }),
  exited: (reason = 0): PusherStatus => ({ code: 1019, message: `exit room, reason[${reason}]` }),
  userList: (...userIDs: string[]): PusherStatus => ({ code: 1020, message: JSON.stringify({ userlist: userIDs.map((userid) => ({ userid })) }) }),
  networkChanged: (): PusherStatus => ({ code: 1021, message: 'network type changed, need reenter' }),
  joined: (...userIDs: string[]): PusherStatus => ({ code: 1031, message: JSON.stringify({ userlist: userIDs.map((userid) => ({ userid })) }) }),
  left: (...userIDs: string[]): PusherStatus => ({ code: 1032, message: JSON.stringify({ userlist: userIDs.map((userid) => ({ userid })) }) }),
  video: (userid: string, hasvideo: boolean, streamtype: 'main' | 'aux' = 'main'): PusherStatus => ({
    code: 1033,
    message: JSON.stringify({ userlist: [{ userid, streamtype, hasvideo, playurl: playUrl(userid, streamtype) }] }),
  }),
  audio: (userid: string, hasaudio: boolean): PusherStatus => ({
    code: 1034,
    message: JSON.stringify({ userlist: [{ userid, hasaudio, playurl: playUrl(userid, 'main') }] }),
  }),
  pushBegin: (): PusherStatus => ({ code: 1002, message: 'push begin' }),
  disconnected: (): PusherStatus => ({ code: -1307, message: 'push disconnected' }),
  userSigInvalid: (): PusherStatus => ({ code: -100018, message: 'userSig invalid' }),
  enterFailed: (): PusherStatus => ({ code: -3301, message: 'enter room failed' }),
  hungUp: (): PusherStatus => ({ code: 5000, message: 'mini program hung up' }),
  floatWindowClosed: (): PusherStatus => ({ code: 5001, message: 'float window closed' }),
};

/** A page event as WXML delivers it to `_pusherStateChangeHandler`. */
export function pusherEvent(s: PusherStatus) {
  return { type: 'statechange', detail: { code: s.code, message: s.message }, currentTarget: { id: 'pusher', dataset: {} } };
}

/** A <live-player> event for the player with this id (its data-streamid and id). */
export function playerEvent(id: string, detail: Record<string, unknown>) {
  const element = { id, dataset: { streamid: id } };
  return { type: 'statechange', detail, currentTarget: element, target: element };
}

export const validParams = { sdkAppID: 1400000001, userID: 'alice', userSig: 'sig-alice', roomID: 1234 };
