// `npm run statecharts`: writes statecharts/ from the machines (see statechart-docs.ts) and removes files
// there that the machines no longer produce, so the folder always matches the code.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAllStatecharts, repoRoot, STATECHARTS_DIR } from './statechart-docs';

async function main(): Promise<void> {
  const files = await generateAllStatecharts();
  mkdirSync(join(repoRoot, STATECHARTS_DIR), { recursive: true });

  for (const existing of readdirSync(join(repoRoot, STATECHARTS_DIR))) {
    const path = `${STATECHARTS_DIR}/${existing}`;
    if (!(path in files)) {
      rmSync(join(repoRoot, path), { recursive: true, force: true });
      console.log(`removed ${path}`);
    }
  }

  for (const [path, content] of Object.entries(files)) {
    const absolute = join(repoRoot, path);
    let previous: string | null = null;
    try {
      previous = readFileSync(absolute, 'utf8');
    } catch {
      // Not written yet.
    }
    if (previous === content) {
      console.log(`unchanged ${path}`);
      continue;
    }
    writeFileSync(absolute, content);
    console.log(`${previous === null ? 'wrote' : 'updated'} ${path}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
