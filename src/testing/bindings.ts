// How a page's WXML binds <live-pusher>/<live-player>: which data they read and which page methods their
// events call. The headless runtime reads the same bindings a real page declares in WXML, so a page under
// test runs exactly the handler methods it would on a phone.

/** How a page's WXML binds its <live-pusher>: the data it reads and the methods its events call. */
export interface PusherBinding {
  /** Path of the pusher attributes in page.data (WXML: url="{{pusher.url}}"). */
  dataPath: string;
  /** bind<event> -> page method name. */
  handlers: {
    statechange?: string;
    netstatus?: string;
    error?: string;
    bgmstart?: string;
    bgmprogress?: string;
    bgmcomplete?: string;
    audiovolumenotify?: string;
  };
}

/** How a page's WXML binds its <live-player>s: the list it loops over, the id field, the methods its events call. */
export interface PlayerListBinding {
  /** Path of the player list in page.data (WXML: wx:for="{{playerList}}"). */
  listPath: string;
  /** The item field used as <live-player id> and data-streamid. */
  idField: string;
  handlers: {
    statechange?: string;
    fullscreenchange?: string;
    netstatus?: string;
    audiovolumenotify?: string;
  };
}

/** The bindings of trtc-wx's documented page (its README's WXML). */
export const TRTC_WX_PUSHER_BINDING: PusherBinding = {
  dataPath: 'pusher',
  handlers: {
    statechange: '_pusherStateChangeHandler',
    netstatus: '_pusherNetStatusHandler',
    error: '_pusherErrorHandler',
    bgmstart: '_pusherBGMStartHandler',
    bgmprogress: '_pusherBGMProgressHandler',
    bgmcomplete: '_pusherBGMCompleteHandler',
    audiovolumenotify: '_pusherAudioVolumeNotify',
  },
};

/** The <live-player> bindings of trtc-wx's documented page (its README's WXML). */
export const TRTC_WX_PLAYER_BINDING: PlayerListBinding = {
  listPath: 'playerList',
  idField: 'id',
  handlers: {
    statechange: '_playerStateChange',
    fullscreenchange: '_playerFullscreenChange',
    netstatus: '_playerNetStatus',
    audiovolumenotify: '_playerAudioVolumeNotify',
  },
};

/**
 * The page methods trtc-wx's README tells a page to define, each forwarding to the SDK. Spread into a
 * page definition: `createPage({ ...trtcWxHandlers(() => this.trtc) })`.
 */
export function trtcWxHandlers(sdk: () => Record<string, unknown>): Record<string, (event: unknown) => void> {
  const forward = (method: string) => (event: unknown) => (sdk()[method] as (e: unknown) => void).call(sdk(), event);
  return {
    _pusherStateChangeHandler: forward('pusherEventHandler'),
    _pusherNetStatusHandler: forward('pusherNetStatusHandler'),
    _pusherErrorHandler: forward('pusherErrorHandler'),
    _pusherBGMStartHandler: forward('pusherBGMStartHandler'),
    _pusherBGMProgressHandler: forward('pusherBGMProgressHandler'),
    _pusherBGMCompleteHandler: forward('pusherBGMCompleteHandler'),
    _pusherAudioVolumeNotify: forward('pusherAudioVolumeNotify'),
    _playerStateChange: forward('playerEventHandler'),
    _playerFullscreenChange: forward('playerFullscreenChange'),
    _playerNetStatus: forward('playerNetStatus'),
    _playerAudioVolumeNotify: forward('playerAudioVolumeNotify'),
  };
}
