// Runs miniprogram-ci's packNpm, the builder behind WeChat DevTools' "Tools -> Build npm", on a project
// directory, in its own process (the builder is large and keeps module state). Prints one JSON line:
// { ok, warnings, report } or { ok: false, error }. Usage: node pack-npm.js <projectPath>
'use strict';
const ci = require('miniprogram-ci');

async function main() {
  const projectPath = process.argv[2];
  // packNpm reads no key and calls no server; the CI project just refuses to construct without one.
  const project = new ci.Project({ appid: 'touristappid', type: 'miniProgram', projectPath, privateKey: 'not used by packNpm', ignores: ['node_modules/**/*'] });
  let report = null;
  const warnings = await ci.packNpm(project, { reporter: (info) => (report = info) });
  return { ok: true, warnings, report };
}

main().then(
  (result) => process.stdout.write(JSON.stringify(result) + '\n'),
  (error) => {
    process.stdout.write(JSON.stringify({ ok: false, error: String((error && error.message) || error) }) + '\n');
    process.exitCode = 1;
  },
);
