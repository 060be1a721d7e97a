import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { DispatchError } from '../shared/errors.js';
import { settingsFromInput } from './lanes.js';
import { APPROVAL_POLICIES, APPROVALS_REVIEWERS, DEFAULT_APPROVAL_ROUTING, DEFAULT_TURN_SETTINGS, PERSONALITIES, REASONING_SUMMARIES, SANDBOX_MODES, type ApprovalRule, type TurnSettings } from './model.js';

/*
 * Resolves `new`'s settings: built-ins < `.dispatch/config.toml` [defaults] < presets (left to right)
 * < the caller's input. Paths resolve against the CALLER's cwd, or against the config's directory
 * for paths that came from the config — never against the daemon's cwd (a 0.1.0 bug).
 */

const instructionsShape = {
  base_instructions: z.string().optional(),
  base_file: z.string().min(1).optional(),
  developer_instructions: z.string().optional(),
  developer_file: z.string().min(1).optional(),
};

const settingsShape = {
  cwd: z.string().min(1).optional(),
  sandbox: z.enum(SANDBOX_MODES).optional(),
  approval_policy: z.enum(APPROVAL_POLICIES).optional(),
  approvals_reviewer: z.enum(APPROVALS_REVIEWERS).optional(),
  model: z.string().min(1).optional(),
  model_provider: z.string().min(1).optional(),
  effort: z.string().min(1).optional(),
  summary: z.enum(REASONING_SUMMARIES).optional(),
  personality: z.enum(PERSONALITIES).optional(),
  service_tier: z.string().min(1).optional(),
  ephemeral: z.boolean().optional(),
  prefix: z.string().optional(),
  text: z.string().min(1).optional(),
  ...instructionsShape,
  output_schema: z.record(z.string(), z.unknown()).optional(),
  approvals: z.enum(['ask', 'deny', 'allow']).optional(),
  approval_timeout: z.number().positive().optional(),
  approval_rule: z.array(z.string().regex(/^(allow|deny):(cmd|path):.+$/, 'use allow|deny:cmd|path:<prefix>')).optional(),
  /** Each lane gets its own git worktree (`--worktree`); `branch_prefix` names its branch. */
  worktree: z.boolean().optional(),
  branch_prefix: z.string().optional(),
};

const settingsTable = z.strictObject({ ...settingsShape, instructions: z.strictObject(instructionsShape).optional() });
const configFile = z.strictObject({
  defaults: settingsTable.optional(),
  presets: z.record(z.string(), settingsTable).optional(),
});

type SettingsTable = z.output<typeof settingsTable>;
type Settings = Omit<SettingsTable, 'instructions'>;
type SettingKey = keyof Settings;
type ConfigFile = z.output<typeof configFile>;

/** The `new` op's input as the handler passes it (snake_case, as on the wire). */
export interface NewLaneInput extends Omit<Settings, 'output_schema'> {
  name: string;
  preset?: string[] | undefined;
  send?: boolean | undefined;
  /** Worktree branch and base: per lane, so input only (never config). */
  branch?: string | undefined;
  base?: string | undefined;
}

/** Options for {@link resolveNewLane}. */
export interface ResolveNewLaneOptions {
  /** Absolute cwd of the CLI/MCP caller; relative input paths resolve against it. */
  callerCwd: string;
  /** What `~` expands to; the OS home directory when absent. */
  homeDir?: string | undefined;
}

/** Everything the `new` handler needs to start the lane. */
export interface ResolvedNewLane {
  cwd: string;
  displayName: string;
  handle: string;
  settings: TurnSettings;
  ephemeral: boolean;
  text: string | undefined;
  send: boolean;
  baseInstructions?: string;
  developerInstructions?: string;
  configPath: string | null;
  presets: string[];
  /** Make the lane a git worktree (input, preset or defaults said so). */
  worktree: boolean;
  branchPrefix: string | undefined;
}

/** The prefix every lane gets unless config or input says otherwise. */
export const DEFAULT_PREFIX = '[${DISPATCH.CWD.REPO}]';

const CONFIG_RELATIVE = path.join('.dispatch', 'config.toml');

/** Where a merged value came from: decides what a relative path in it is relative to. */
interface Provenance {
  fromConfig: boolean;
  /** Layer rank (higher overrides lower); lets a file from a higher layer beat lower inline text. */
  rank: number;
}

function expandHome(p: string, homeDir: string): string {
  if (p === '~') return homeDir;
  if (p.startsWith('~/') || p.startsWith(`~${path.sep}`)) return path.join(homeDir, p.slice(2));
  return p;
}

/** Node's fs messages repeat the path ("ENOENT: no such file or directory, open '/x'"); ours already carry it. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message.replace(/, \w+ '.*'$/s, '');
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Walks from `start` up to the filesystem root; the nearest `.dispatch/config.toml` wins. */
async function findConfig(start: string): Promise<string | null> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_RELATIVE);
    if (await exists(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function issuePath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join('.');
}

function describeIssues(error: z.ZodError): string {
  const parts: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // Name each unknown key by its full path so the user can find it in the file.
      for (const key of issue.keys) parts.push(`${issuePath([...issue.path, key])}: unknown key`);
    } else {
      parts.push(`${issuePath(issue.path) || '(top level)'}: ${issue.message}`);
    }
  }
  return parts.join('; ');
}

async function loadConfig(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DispatchError('validation', `cannot read dispatch config ${file}: ${reasonOf(error)}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const what = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'syntax error';
      throw new DispatchError('validation', `invalid dispatch config ${file}: line ${error.line}, column ${error.column}: ${what}`, { cause: error });
    }
    throw new DispatchError('validation', `invalid dispatch config ${file}: ${reasonOf(error)}`, { cause: error });
  }
  const parsed = configFile.safeParse(raw);
  if (!parsed.success) throw new DispatchError('validation', `invalid dispatch config ${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** `[x.instructions]` is only a grouping: its keys fill the table's own keys that are still unset. */
function flatten(table: SettingsTable): Settings {
  const { instructions, ...settings } = table;
  const out: Settings = { ...settings };
  if (instructions) {
    for (const key of Object.keys(instructionsShape) as (keyof typeof instructionsShape)[]) {
      const value = instructions[key];
      if (out[key] === undefined && value !== undefined) out[key] = value;
    }
  }
  return out;
}

/** The basename of the nearest directory at or above `cwd` holding `.git`, else `cwd`'s basename. */
async function repoName(cwd: string): Promise<string> {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, '.git'))) return path.basename(dir);
    if (path.dirname(dir) === dir) return path.basename(cwd);
  }
}

const VARIABLE = /\$\{([^}]*)\}/g;

/** Renders a prefix template; only `${DISPATCH.CWD.REPO}`, `${DISPATCH.CWD.BASENAME}` and `${DISPATCH.PRESET}` exist. */
export async function renderPrefix(template: string, cwd: string, presets: readonly string[]): Promise<string> {
  const values = new Map<string, string>();
  for (const match of template.matchAll(VARIABLE)) {
    const name = match[1] ?? '';
    if (values.has(name)) continue;
    if (name === 'DISPATCH.CWD.REPO') values.set(name, await repoName(cwd));
    else if (name === 'DISPATCH.CWD.BASENAME') values.set(name, path.basename(cwd));
    else if (name === 'DISPATCH.PRESET') {
      const last = presets.at(-1);
      if (last === undefined) throw new DispatchError('validation', '${DISPATCH.PRESET} needs a preset');
      values.set(name, last);
    } else {
      // No env interpolation: a prefix must not leak the daemon's environment into lane names.
      throw new DispatchError('validation', `unsupported prefix variable '${name}'`);
    }
  }
  // One pass, so a substituted value (a preset name, a directory name) is never expanded again.
  return template.replace(VARIABLE, (_whole, name: string) => values.get(name) ?? '').trim();
}

/** Decorates a lane name with the rendered prefix, never twice. */
export function displayNameOf(name: string, prefix: string): string {
  const bare = name.trim().replace(/^@/, '').trim();
  if (!bare) throw new DispatchError('validation', 'the lane name must not be empty');
  if (!prefix || bare === prefix || bare.startsWith(`${prefix} `)) return bare;
  return `${prefix} ${bare}`;
}

async function readInstructions(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new DispatchError('validation', `cannot read instructions file ${file}: ${reasonOf(error)}`, { cause: error });
  }
}

/** Resolves the `new` op's input against built-ins, the nearest `.dispatch/config.toml` and its presets. */
export async function resolveNewLane(input: NewLaneInput, options: ResolveNewLaneOptions): Promise<ResolvedNewLane> {
  const { callerCwd } = options;
  // A relative callerCwd would silently resolve against the daemon's cwd, the very bug this fixes.
  if (!path.isAbsolute(callerCwd)) throw new DispatchError('validation', `caller cwd ${callerCwd} is not absolute`);
  const homeDir = options.homeDir ?? os.homedir();
  const start = input.cwd === undefined ? callerCwd : path.resolve(callerCwd, expandHome(input.cwd, homeDir));

  const configPath = await findConfig(start);
  const config: ConfigFile = configPath ? await loadConfig(configPath) : {};
  const configDir = configPath ? path.dirname(path.dirname(configPath)) : null;
  const presets = [...(input.preset ?? [])];

  const merged: Settings = { cwd: start, ephemeral: false, prefix: DEFAULT_PREFIX, sandbox: DEFAULT_TURN_SETTINGS.sandbox, approval_policy: DEFAULT_TURN_SETTINGS.approvalPolicy };
  const provenance = new Map<SettingKey, Provenance>();
  let rank = 0;
  const overlay = (layer: Settings, fromConfig: boolean): void => {
    rank += 1;
    for (const [key, value] of Object.entries(layer) as [SettingKey, unknown][]) {
      if (value === undefined) continue;
      (merged as Record<SettingKey, unknown>)[key] = value;
      provenance.set(key, { fromConfig, rank });
    }
  };

  if (config.defaults) overlay(flatten(config.defaults), true);
  const known = Object.keys(config.presets ?? {});
  for (const name of presets) {
    const preset = Object.hasOwn(config.presets ?? {}, name) ? config.presets?.[name] : undefined;
    if (!preset) {
      const where = configPath ? `in ${configPath}` : `(no ${CONFIG_RELATIVE} found from ${start})`;
      const list = known.length > 0 ? `known presets: ${known.join(', ')}` : 'no presets defined';
      throw new DispatchError('validation', `unknown preset '${name}' ${where}; ${list}`);
    }
    overlay(flatten(preset), true);
  }
  const { name: _name, preset: _preset, send: _send, branch: _branch, base: _base, ...inputSettings } = input;
  overlay(inputSettings, false);

  const baseFor = (key: SettingKey): string => (provenance.get(key)?.fromConfig && configDir ? configDir : callerCwd);
  const resolvePath = (key: SettingKey, p: string): string => path.resolve(baseFor(key), expandHome(p, homeDir));

  const cwd = merged.cwd === undefined ? start : resolvePath('cwd', merged.cwd);
  if (!(await isDirectory(cwd))) throw new DispatchError('validation', `cwd ${cwd} is not a directory`);
  const worktree = merged.worktree ?? false;
  if (!worktree && (input.branch !== undefined || input.base !== undefined)) {
    throw new DispatchError('validation', `--${input.branch === undefined ? 'base' : 'branch'} needs --worktree`, { data: { fields: ['worktree'] } });
  }

  const prefix = merged.prefix ? await renderPrefix(merged.prefix, cwd, presets) : '';
  const displayName = displayNameOf(input.name, prefix);

  // Inline text wins over a file from the same or a lower layer; a file from a higher layer
  // (say `--base-file` over config's base_instructions) must not be silently ignored.
  const pick = async (inlineKey: 'base_instructions' | 'developer_instructions', fileKey: 'base_file' | 'developer_file'): Promise<string | undefined> => {
    const inline = merged[inlineKey];
    const file = merged[fileKey];
    const inlineRank = provenance.get(inlineKey)?.rank ?? -1;
    const fileRank = provenance.get(fileKey)?.rank ?? -1;
    if (inline !== undefined && (file === undefined || inlineRank >= fileRank)) return inline;
    return file === undefined ? undefined : readInstructions(resolvePath(fileKey, file));
  };
  const baseInstructions = await pick('base_instructions', 'base_file');
  const developerInstructions = await pick('developer_instructions', 'developer_file');

  const settings: TurnSettings = { ...DEFAULT_TURN_SETTINGS, ...settingsFromInput(merged) };
  if (merged.output_schema !== undefined) settings.outputSchema = merged.output_schema;
  if (merged.approvals !== undefined || merged.approval_timeout !== undefined || merged.approval_rule !== undefined) {
    settings.approvals = {
      ...DEFAULT_APPROVAL_ROUTING,
      ...(merged.approvals === undefined ? {} : { mode: merged.approvals }),
      ...(merged.approval_timeout === undefined ? {} : { timeoutSeconds: merged.approval_timeout }),
      rules: (merged.approval_rule ?? []).map(parseApprovalRule),
    };
  }

  return {
    cwd,
    displayName,
    handle: `@${displayName}`,
    settings,
    ephemeral: merged.ephemeral ?? false,
    text: input.text ?? merged.text,
    send: input.send ?? true,
    ...(baseInstructions === undefined ? {} : { baseInstructions }),
    ...(developerInstructions === undefined ? {} : { developerInstructions }),
    configPath,
    presets,
    worktree,
    branchPrefix: merged.branch_prefix,
  };
}

/** `allow:cmd:npm test` → { decision: 'accept', command: 'npm test' }; `deny:path:secrets/` likewise. */
export function parseApprovalRule(text: string): ApprovalRule {
  const m = /^(allow|deny):(cmd|path):(.+)$/.exec(text);
  if (!m?.[3]) throw new DispatchError('validation', `approval rule '${text}' must look like allow|deny:cmd|path:<prefix>`);
  const decision = m[1] === 'allow' ? 'accept' : 'decline';
  return m[2] === 'cmd' ? { decision, command: m[3].trim() } : { decision, path: m[3].trim() };
}
