// Types for the parts of node-media-server 4.x the RTMP plane uses: its RTMP session (protocol, NMS's
// broadcast hub) and its module-wide logger. The package ships JavaScript with JSDoc only.

declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Socket } from 'node:net';

  /** An audio (8), video (9) or script (18) packet a publisher sent. */
  export interface NmsAvPacket {
    codec_type: number;
    flags: number;
    dts: number;
    size: number;
  }

  /** What `publish` / `play` commands carry; streamName still holds its "?query". */
  export interface NmsInvokeMessage {
    cmd: string;
    transId: number;
    streamName: string;
    [field: string]: unknown;
  }

  export interface NmsRtmpProtocol {
    streamApp: string;
    streamId: number;
    parserPacket: { header: { stream_id: number } };
    onPublish(message: NmsInvokeMessage): void;
    onPlay(message: NmsInvokeMessage): void;
    onPacketCallback: (packet: NmsAvPacket) => void;
    sendStatusMessage(streamId: number, level: 'status' | 'error' | 'warning', code: string, description: string): void;
  }

  export interface NmsBroadcast {
    readonly streamPath: string;
    publisher: unknown;
    readonly subscribers: Map<string, unknown>;
    /** Ends the publish for real (NMS otherwise keeps it 30 s for a resuming publisher). */
    _finishPublish(): void;
  }

  export default class RtmpSession {
    constructor(socket: Socket);
    readonly id: string;
    readonly socket: Socket;
    readonly rtmp: NmsRtmpProtocol;
    broadcast: NmsBroadcast;
    isPublisher: boolean;
    streamPath: string;
    inBytes: number;
    outBytes: number;
    run(): void;
  }
}

declare module 'node-media-server/src/core/logger.js' {
  interface NmsLogger {
    level: string;
    log(message: string, level?: string): void;
  }
  const logger: NmsLogger;
  export default logger;
}

