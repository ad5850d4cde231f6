// Suites that need Debian's nginx with libnginx-mod-rtmp: run when both are here; in CI without them, one
// failing test that says why; elsewhere a skipped suite and a banner nobody can miss (like the Redis suites).

import { nginxMissing } from '../../server/media/nginx-process';
import { defaultConfig } from '../../server/config';

export const NGINX = { nginxPath: process.env.NGINX_PATH ?? defaultConfig().nginxPath, modulePath: process.env.NGINX_RTMP_MODULE ?? defaultConfig().nginxModulePath };
export const NGINX_MISSING = nginxMissing(NGINX);

const banner = (why: string) =>
  [
    '',
    '################################################################################',
    '#  SKIPPED: the nginx-rtmp media tests need nginx and libnginx-mod-rtmp.       #',
    '#  Install them: sudo apt-get install -y nginx libnginx-mod-rtmp               #',
    '#  (the service need not run: each suite starts its own nginx on free ports),  #',
    '#  or set NGINX_PATH / NGINX_RTMP_MODULE. CI fails these suites without them.  #',
    '################################################################################',
    `   ${why}`,
    '',
  ].join('\n');

export function describeWithNginx(name: string, body: () => void): void {
  if (NGINX_MISSING === null) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      test('nginx with the RTMP module is installed (required in CI)', () => {
        throw new Error(`${NGINX_MISSING}; .ci/run installs Debian's nginx and libnginx-mod-rtmp.${banner(NGINX_MISSING)}`);
      });
    });
    return;
  }
  console.warn(banner(NGINX_MISSING));
  describe.skip(name, body);
}
