import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayNameOf, renderPrefix, resolveNewLane } from '../../src/core/newConfig.js';
import type { NewLaneInput } from '../../src/core/newConfig.js';
import { DispatchError } from '../../src/shared/errors.js';

let root: string;

beforeEach(async () => {
  // realpath: on macOS tmpdir is a symlink, and resolved paths are compared verbatim.
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dispatch-newconfig-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function dir(...parts: string[]): Promise<string> {
  const p = path.join(root, ...parts);
  await mkdir(p, { recursive: true });
  return p;
}

async function file(rel: string, content: string): Promise<string> {
  const p = path.join(root, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
  return p;
}

const config = (rel: string, toml: string): Promise<string> => file(path.join(rel, '.dispatch', 'config.toml'), toml);

const resolve = (input: NewLaneInput, callerCwd: string) => resolveNewLane(input, { callerCwd, homeDir: root });

async function validationError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DispatchError);
  expect((error as DispatchError).code).toBe('validation');
  return (error as DispatchError).message;
}

describe('resolveNewLane', () => {
  it('uses the built-ins and a repo prefix from the nearest .git when there is no config', async () => {
    await dir('proj', '.git');
    const cwd = await dir('proj', 'pkg', 'sub');
    const out = await resolve({ name: 'docs', text: 'hello' }, cwd);
    expect(out).toEqual({
      cwd,
      displayName: '[proj] docs',
      handle: '@[proj] docs',
      settings: { sandbox: 'read-only', approvalPolicy: 'never' },
      ephemeral: false,
      text: 'hello',
      send: true,
      configPath: null,
      presets: [],
      worktree: false,
      branchPrefix: undefined,
    });
  });

  it('falls back to the cwd basename without .git and strips a leading @ from the name', async () => {
    const cwd = await dir('lonely');
    const out = await resolve({ name: ' @docs ', send: false }, cwd);
    expect(out.displayName).toBe('[lonely] docs');
    expect(out.send).toBe(false);
    expect(out.text).toBeUndefined();
  });

  it('finds the config from a nested subdirectory of the caller', async () => {
    const configPath = await config('repo', '[defaults]\nmodel = "gpt-x"\nsandbox = "workspace-write"\n');
    const cwd = await dir('repo', 'a', 'b', 'c');
    const out = await resolve({ name: 'n', prefix: '' }, cwd);
    expect(out.configPath).toBe(configPath);
    expect(out.cwd).toBe(cwd);
    expect(out.settings).toEqual({ sandbox: 'workspace-write', approvalPolicy: 'never', model: 'gpt-x' });
  });

  it('looks for the config from the input cwd resolved against the caller, not from the caller itself', async () => {
    const configPath = await config('other', '[defaults]\nmodel = "m-other"\n');
    await dir('other', 'deep');
    const caller = await dir('caller');
    const out = await resolve({ name: 'n', cwd: '../other/deep', prefix: '' }, caller);
    expect(out.configPath).toBe(configPath);
    expect(out.cwd).toBe(path.join(root, 'other', 'deep'));
    expect(out.settings.model).toBe('m-other');
  });

  it('expands ~ in the input cwd with homeDir', async () => {
    const home = await dir('h');
    const out = await resolveNewLane({ name: 'n', cwd: '~', prefix: '' }, { callerCwd: '/', homeDir: home });
    expect(out.cwd).toBe(home);
  });

  it('applies [defaults], then presets left to right, then the input', async () => {
    await config(
      'repo',
      [
        '[defaults]',
        'model = "base"',
        'effort = "low"',
        'personality = "friendly"',
        'text = "from defaults"',
        '[presets.fast]',
        'model = "fast"',
        'effort = "medium"',
        'service_tier = "flex"',
        '[presets.deep]',
        'effort = "high"',
        'summary = "detailed"',
        'approvals_reviewer = "auto_review"',
        'model_provider = "openai"',
        'ephemeral = true',
      ].join('\n'),
    );
    const cwd = await dir('repo');
    const out = await resolve({ name: 'n', preset: ['fast', 'deep'], personality: 'pragmatic', approval_policy: 'on-request', prefix: '' }, cwd);
    expect(out.settings).toEqual({
      sandbox: 'read-only',
      approvalPolicy: 'on-request',
      approvalsReviewer: 'auto_review',
      model: 'fast',
      modelProvider: 'openai',
      effort: 'high',
      summary: 'detailed',
      personality: 'pragmatic',
      serviceTier: 'flex',
    });
    expect(out.ephemeral).toBe(true);
    expect(out.text).toBe('from defaults');
    expect(out.presets).toEqual(['fast', 'deep']);

    const reversed = await resolve({ name: 'n', preset: ['deep', 'fast'], text: 'mine', ephemeral: false, prefix: '' }, cwd);
    expect(reversed.settings.effort).toBe('medium');
    expect(reversed.text).toBe('mine');
    expect(reversed.ephemeral).toBe(false);
  });

  it('turns worktrees on from a preset, with its branch prefix; --branch or --base without a worktree is refused', async () => {
    const cwd = await dir('wtproj');
    await config('wtproj', '[presets.isolated]\nworktree = true\nbranch_prefix = "agents/"\n');
    expect(await resolve({ name: 'n', preset: ['isolated'] }, cwd)).toMatchObject({ worktree: true, branchPrefix: 'agents/' });
    expect(await resolve({ name: 'n', preset: ['isolated'], worktree: false }, cwd)).toMatchObject({ worktree: false });
    expect(await validationError(resolve({ name: 'n', branch: 'b' }, cwd))).toBe('--branch needs --worktree');
    expect(await validationError(resolve({ name: 'n', base: 'main' }, cwd))).toBe('--base needs --worktree');
    expect(await resolve({ name: 'n', worktree: true, branch: 'b', base: 'main' }, cwd)).toMatchObject({ worktree: true });
  });

  it('rejects an unknown preset and lists the known ones', async () => {
    await config('repo', '[presets.fast]\nmodel = "f"\n[presets.slow]\nmodel = "s"\n');
    const cwd = await dir('repo');
    const message = await validationError(resolve({ name: 'n', preset: ['fast', 'nope'] }, cwd));
    expect(message).toContain("unknown preset 'nope'");
    expect(message).toContain('fast, slow');
    // Inherited object keys are not presets.
    expect(await validationError(resolve({ name: 'n', preset: ['toString'] }, cwd))).toContain("unknown preset 'toString'");
  });

  it('rejects an unknown preset when there is no config at all', async () => {
    const cwd = await dir('bare');
    expect(await validationError(resolve({ name: 'n', preset: ['x'] }, cwd))).toContain("unknown preset 'x'");
  });

  it('rejects unknown keys and tables in the config with their path', async () => {
    const configPath = await config('repo', '[defaults]\nmodle = "typo"\n[presets.p.instructions]\nbase = "x"\n');
    const cwd = await dir('repo');
    const message = await validationError(resolve({ name: 'n' }, cwd));
    expect(message).toContain(`invalid dispatch config ${configPath}:`);
    expect(message).toContain('defaults.modle: unknown key');
    expect(message).toContain('presets.p.instructions.base: unknown key');

    await config('repo', '[default]\nmodel = "x"\n');
    expect(await validationError(resolve({ name: 'n' }, cwd))).toContain('default: unknown key');
  });

  it('rejects a bad enum value with its path', async () => {
    await config('repo', '[presets.p]\nsandbox = "yolo"\n');
    const cwd = await dir('repo');
    expect(await validationError(resolve({ name: 'n' }, cwd))).toMatch(/presets\.p\.sandbox: /);
  });

  it('reports a TOML syntax error with its line', async () => {
    const configPath = await config('repo', '[defaults]\nmodel = "ok"\nsandbox = \n');
    const cwd = await dir('repo');
    const message = await validationError(resolve({ name: 'n' }, cwd));
    expect(message).toMatch(new RegExp(`^invalid dispatch config ${configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3`));
  });

  it('reports an unreadable config', async () => {
    await dir('repo', '.dispatch', 'config.toml');
    const cwd = await dir('repo');
    expect(await validationError(resolve({ name: 'n' }, cwd))).toMatch(/^cannot read dispatch config .*config\.toml: /);
  });

  it('renders the prefix variables', async () => {
    await dir('myrepo', '.git');
    await config('myrepo', '[presets.review]\nsandbox = "read-only"\n[presets.fix]\nsandbox = "workspace-write"\n');
    const cwd = await dir('myrepo', 'pkg');
    const out = await resolve({ name: 'n', preset: ['review', 'fix'], prefix: '${DISPATCH.CWD.REPO}/${DISPATCH.CWD.BASENAME}:${DISPATCH.PRESET}' }, cwd);
    expect(out.displayName).toBe('myrepo/pkg:fix n');
    expect(out.handle).toBe('@myrepo/pkg:fix n');
  });

  it('rejects unsupported prefix variables, with no env interpolation', async () => {
    const cwd = await dir('w');
    expect(await validationError(resolve({ name: 'n', prefix: '${HOME}' }, cwd))).toBe("unsupported prefix variable 'HOME'");
    expect(await validationError(resolve({ name: 'n', prefix: '[${DISPATCH.CWD.NOPE}]' }, cwd))).toBe("unsupported prefix variable 'DISPATCH.CWD.NOPE'");
  });

  it('requires a preset for ${DISPATCH.PRESET}', async () => {
    const cwd = await dir('w');
    expect(await validationError(resolve({ name: 'n', prefix: '${DISPATCH.PRESET}' }, cwd))).toBe('${DISPATCH.PRESET} needs a preset');
  });

  it('takes the prefix from config', async () => {
    await config('repo', '[defaults]\nprefix = "<${DISPATCH.CWD.BASENAME}>"\n');
    const cwd = await dir('repo', 'x');
    expect((await resolve({ name: 'n' }, cwd)).displayName).toBe('<x> n');
  });

  it('never prefixes twice', async () => {
    await dir('proj', '.git');
    const cwd = await dir('proj');
    expect((await resolve({ name: '[proj] docs' }, cwd)).displayName).toBe('[proj] docs');
    expect((await resolve({ name: '@[proj]' }, cwd)).displayName).toBe('[proj]');
    expect((await resolve({ name: '[proj]docs' }, cwd)).displayName).toBe('[proj] [proj]docs');
  });

  it('leaves the name bare with an empty prefix, from input or config', async () => {
    const cwd = await dir('w');
    expect((await resolve({ name: 'docs', prefix: '' }, cwd)).handle).toBe('@docs');
    expect((await resolve({ name: 'docs', prefix: '   ' }, cwd)).handle).toBe('@docs');
    await config('c', '[defaults]\nprefix = ""\n');
    expect((await resolve({ name: 'docs' }, await dir('c'))).handle).toBe('@docs');
  });

  it('rejects an empty name', async () => {
    const cwd = await dir('w');
    expect(await validationError(resolve({ name: ' @ ' }, cwd))).toContain('name');
  });

  it('resolves a relative cwd from config against the config dir, and from input against the caller', async () => {
    await config('repo', '[defaults]\ncwd = "work"\nprefix = ""\n');
    const work = await dir('repo', 'work');
    const caller = await dir('repo', 'elsewhere', 'deep');
    expect((await resolve({ name: 'n' }, caller)).cwd).toBe(work);

    const mine = await dir('repo', 'elsewhere', 'deep', 'mine');
    expect((await resolve({ name: 'n', cwd: 'mine' }, caller)).cwd).toBe(mine);
  });

  it('rejects a cwd that is not a directory', async () => {
    const caller = await dir('w');
    const notDir = await file('w/file.txt', 'x');
    expect(await validationError(resolve({ name: 'n', cwd: 'file.txt' }, caller))).toBe(`cwd ${notDir} is not a directory`);
    expect(await validationError(resolve({ name: 'n', cwd: 'missing' }, caller))).toBe(`cwd ${path.join(caller, 'missing')} is not a directory`);
  });

  it('reads base_file relative to the config dir and developer_file relative to the caller', async () => {
    await config('repo', '[defaults.instructions]\nbase_file = "prompts/base.md"\n');
    await file('repo/prompts/base.md', 'BASE ✓\n');
    const caller = await dir('repo', 'sub');
    await file('repo/sub/dev.md', 'DEV');
    const out = await resolve({ name: 'n', developer_file: 'dev.md' }, caller);
    expect(out.baseInstructions).toBe('BASE ✓\n');
    expect(out.developerInstructions).toBe('DEV');
  });

  it('prefers inline instructions over a file from the same layer, but a higher layer wins', async () => {
    await config(
      'repo',
      ['[defaults]', 'base_instructions = "inline"', 'developer_file = "dev.md"', '[defaults.instructions]', 'base_file = "ignored.md"', 'developer_instructions = "inline dev"'].join('\n'),
    );
    await file('repo/dev.md', 'DEV FILE');
    await file('repo/mine.md', 'MINE');
    const cwd = await dir('repo');
    const out = await resolve({ name: 'n' }, cwd);
    // [defaults.instructions] only fills keys [defaults] left unset; inline wins within the layer.
    expect(out.baseInstructions).toBe('inline');
    expect(out.developerInstructions).toBe('inline dev');

    const override = await resolve({ name: 'n', base_file: 'mine.md' }, cwd);
    expect(override.baseInstructions).toBe('MINE');
  });

  it('reports a missing instructions file', async () => {
    await config('repo', '[presets.p]\ndeveloper_file = "nope.md"\n');
    const cwd = await dir('repo');
    const message = await validationError(resolve({ name: 'n', preset: ['p'] }, cwd));
    expect(message).toBe(`cannot read instructions file ${path.join(root, 'repo', 'nope.md')}: ENOENT: no such file or directory`);
  });

  it('passes an output_schema table through, replaced wholesale by a later layer', async () => {
    await config(
      'repo',
      [
        '[defaults.output_schema]',
        'type = "object"',
        'required = ["answer"]',
        '[defaults.output_schema.properties.answer]',
        'type = "string"',
        '[presets.other.output_schema]',
        'type = "array"',
      ].join('\n'),
    );
    const cwd = await dir('repo');
    expect((await resolve({ name: 'n' }, cwd)).settings.outputSchema).toEqual({
      type: 'object',
      required: ['answer'],
      properties: { answer: { type: 'string' } },
    });
    expect((await resolve({ name: 'n', preset: ['other'] }, cwd)).settings.outputSchema).toEqual({ type: 'array' });
  });

  it('refuses a relative caller cwd rather than resolving against the daemon cwd', async () => {
    expect(await validationError(resolveNewLane({ name: 'n' }, { callerCwd: 'rel' }))).toContain('not absolute');
  });
});

describe('renderPrefix / displayNameOf', () => {
  it('does not re-expand substituted values', async () => {
    expect(await renderPrefix('${DISPATCH.PRESET}', '/', ['${DISPATCH.CWD.BASENAME}'])).toBe('${DISPATCH.CWD.BASENAME}');
  });

  it('joins prefix and name with one space', () => {
    expect(displayNameOf('x', '[p]')).toBe('[p] x');
    expect(displayNameOf('x', '')).toBe('x');
  });
});
