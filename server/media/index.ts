// The dev server's real media side: an RTMP server (node-media-server sessions) that verifies signed urls and
// tells signaling when pushes start and stop. `startDevServer({ mediaPlane: rtmpMediaPlane() })`.

export { RtmpMediaPlane, rtmpMediaPlane, type RtmpMediaPlaneOptions, type RtmpPlaneEvent } from './rtmp-plane';
export { freePort } from './ports';
