// `npm run usersig -- --user alice`: print a development userSig the dev server accepts (defaults from
// WXRTC_SECRET / WXRTC_SDKAPPID or the documented development values).

import { usersigCli } from '../server/usersig';

const outcome = usersigCli(process.argv.slice(2), process.env);
process.stdout.write(outcome.stdout);
process.stderr.write(outcome.stderr);
process.exitCode = outcome.exitCode;
