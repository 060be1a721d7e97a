/**
 * Regenerates src/protocol/generated from the pinned codex binary, or with --check fails when the
 * checked-in files differ from what the binary generates (the drift check run by `npm test`).
 */
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveCodexBinary, readCodexVersion, runCodex } from '../src/codex/binary.js';

const GENERATED = path.resolve(import.meta.dirname, '../src/protocol/generated');
const SCHEMA_BUNDLE = 'codex_app_server_protocol.schemas.json';

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, base)));
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

/** Generates the full folder (types, schema bundle, markers) into `dir`. */
async function generateInto(dir: string): Promise<string> {
  const binary = resolveCodexBinary();
  const { version } = await readCodexVersion(binary);
  await runCodex(binary, ['app-server', 'generate-ts', '--experimental', '--out', dir]);
  const schemaDir = await mkdtemp(path.join(tmpdir(), 'dispatch-schema-'));
  try {
    await runCodex(binary, ['app-server', 'generate-json-schema', '--experimental', '--out', schemaDir]);
    await mkdir(path.join(dir, 'schema'), { recursive: true });
    await cp(path.join(schemaDir, SCHEMA_BUNDLE), path.join(dir, 'schema', SCHEMA_BUNDLE));
  } finally {
    await rm(schemaDir, { recursive: true, force: true });
  }
  // ts-rs writes extensionless imports; as CommonJS type-only files they still check under NodeNext.
  await writeFile(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  await writeFile(path.join(dir, 'CODEX_VERSION'), `${version}\n`);
  return version;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const fresh = await mkdtemp(path.join(tmpdir(), 'dispatch-protocol-'));
  try {
    const version = await generateInto(fresh);
    if (!check) {
      await rm(GENERATED, { recursive: true, force: true });
      await cp(fresh, GENERATED, { recursive: true });
      console.log(`generated ${(await listFiles(GENERATED)).length} files from codex ${version} into ${path.relative(process.cwd(), GENERATED)}`);
      return;
    }
    const [want, have] = await Promise.all([listFiles(fresh), listFiles(GENERATED).catch(() => [] as string[])]);
    const haveSet = new Set(have);
    const drift: string[] = [];
    for (const file of want) {
      if (!haveSet.has(file)) drift.push(`missing  ${file}`);
      else if (!(await readFile(path.join(fresh, file))).equals(await readFile(path.join(GENERATED, file)))) drift.push(`changed  ${file}`);
    }
    const wantSet = new Set(want);
    for (const file of have) if (!wantSet.has(file)) drift.push(`extra    ${file}`);
    if (drift.length > 0) {
      console.error(`protocol drift: src/protocol/generated differs from what codex ${version} generates:`);
      for (const line of drift.slice(0, 40)) console.error(`  ${line}`);
      if (drift.length > 40) console.error(`  … and ${drift.length - 40} more`);
      console.error('run `npm run protocol:generate` and review the diff');
      process.exitCode = 1;
    } else {
      console.log(`protocol check: ${want.length} generated files match codex ${version}`);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

await main();
