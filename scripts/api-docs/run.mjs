// `npm run docs`: the API reference (HTML) from the TSDoc of every public entry, into docs/api/. typedoc
// comes from this folder's own node_modules (with TypeScript 6: typedoc 0.28 cannot run on the project's 7).
// Every exported symbol must carry a doc comment: a missing one fails the run.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { Application, TSConfigReader, LogLevel, ReflectionKind } = createRequire(join(here, 'package.json'))('typedoc');

const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : join(root, 'docs', 'api');

const app = await Application.bootstrapWithPlugins(
  {
    name: 'wxrtc',
    entryPoints: ['src/index.ts', 'src/statecharts.ts', 'src/testing/index.ts', 'src/inspect/index.ts', 'src/inspect/node.ts'].map((entry) => join(root, entry)),
    tsconfig: join(here, 'tsconfig.json'),
    readme: join(root, 'README.md'),
    out,
    // Declarations from xstate (createActor) are documented there; ours are what this reference is for.
    excludeExternals: true,
    excludePrivate: true,
    excludeInternal: true,
    includeVersion: true,
    sort: ['source-order'],
    // No git remote to link sources to; the reference is read locally (docs/api/index.html).
    disableSources: true,
    // notExported is off: internal helper types named in public signatures (a machine's context, a wire
    // message) are shown by name. notDocumented is replaced by undocumented() below: typedoc's own check
    // also demands comments inside inferred types (every action of a machine's config), which no source
    // comment can reach.
    validation: { notExported: false, invalidLink: true, notDocumented: false },
    treatWarningsAsErrors: true,
    logLevel: LogLevel.Info,
  },
  [new TSConfigReader()],
);
const project = await app.convert();
if (!project) {
  console.error('typedoc: the sources did not convert');
  process.exit(1);
}
app.validate(project);
const missing = undocumented(project);
for (const name of missing) app.logger.warn(`${name} has no doc comment`);
if (app.logger.hasErrors() || app.logger.hasWarnings()) {
  console.error(`typedoc: ${app.logger.errorCount} errors, ${app.logger.warningCount} warnings; the reference was not written`);
  process.exit(1);
}
await app.generateDocs(project, out);
console.log(`API reference: ${out}/index.html`);

/**
 * What must carry a doc comment: every symbol an entry exports, and every method, accessor and property a
 * class of ours declares (a class's properties are its API: the facade's component handlers are properties).
 * Members of object types are left to judgement; members inherited from xstate or Node are not ours.
 */
function undocumented(project) {
  const documented = (reflection) =>
    Boolean(reflection.comment?.summary?.length || reflection.comment?.blockTags?.length) ||
    (reflection.signatures ?? []).some((signature) => signature.comment?.summary?.length) ||
    Boolean(reflection.getSignature?.comment?.summary?.length || reflection.setSignature?.comment?.summary?.length) ||
    (reflection.type?.type === 'reflection' && (reflection.type.declaration.signatures ?? []).some((signature) => signature.comment?.summary?.length));
  const missing = [];
  const exportKinds = ReflectionKind.Class | ReflectionKind.Interface | ReflectionKind.TypeAlias | ReflectionKind.Variable | ReflectionKind.Function | ReflectionKind.Enum;
  for (const module of project.children ?? []) {
    for (const symbol of module.children ?? []) {
      if (symbol.kindOf(exportKinds) && !documented(symbol)) missing.push(`${module.name}.${symbol.name}`);
      const memberKinds = symbol.kindOf(ReflectionKind.Class)
        ? ReflectionKind.Method | ReflectionKind.Accessor | ReflectionKind.Property
        : symbol.kindOf(ReflectionKind.Interface)
          ? ReflectionKind.Method
          : 0;
      for (const member of symbol.children ?? []) {
        if (!member.kindOf(memberKinds) || member.inheritedFrom || member.flags.isPrivate || member.flags.isProtected || member.flags.isExternal) continue;
        if (!documented(member)) missing.push(`${module.name}.${symbol.name}.${member.name}`);
      }
    }
  }
  return missing;
}
