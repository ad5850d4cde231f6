// The small shared vocabulary of the web entry: how its components report, and the device kinds it opens.

/** A <live-pusher>/<live-player> status code and its message, as bindstatechange carries them. */
export type StatusReport = (code: number, message: string) => void;
/** Network figures, as bindnetstatus carries them (videoBitrate, videoFPS, videoWidth, videoHeight ...). */
export type NetStatusReport = (info: Record<string, unknown>) => void;
/** The input devices a web room opens: enumerateDevices()'s kinds. */
export type DeviceKind = 'audioinput' | 'videoinput';
