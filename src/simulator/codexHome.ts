import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DispatchError } from '../shared/errors.js';
import { APPROVAL_POLICIES, SANDBOX_MODES, type ApprovalPolicy, type SandboxMode } from '../shared/codexSettings.js';
import { isRecord } from '../shared/records.js';

/** The environment variable codex reads the simulated provider's (meaningless) API key from. */
export const SIMULATED_API_KEY_ENV = 'DISPATCH_SIM_API_KEY';

/** The `model_providers` id of the simulated provider in config.toml. */
export const SIMULATED_PROVIDER_ID = 'dispatch-sim';

/** The default model slug codex is told to use with the simulated provider. */
export const SIMULATED_MODEL = 'dispatch-sim';

/** Approval policies config.toml accepts in codex 0.169 (`untrusted` is only valid per thread or turn). */
export type SimulatedApprovalPolicy = Exclude<ApprovalPolicy, 'untrusted'>;

/** Sandbox modes of config.toml. */
export type SimulatedSandboxMode = SandboxMode;

/** A codex model catalog file: `{ "models": [ModelInfo…] }`, the shape `codex debug models --bundled` prints. */
export interface SimulatedModelCatalog {
  models: Array<Record<string, unknown>>;
}

/** Options of {@link writeSimulatedCodexHome}; give `bundledModelsJson` or `modelCatalog`. */
export interface SimulatedCodexHomeOptions {
  codexHome: string;
  /** `http://127.0.0.1:PORT/v1` of a running simulated provider. */
  providerUrl: string;
  /** `codex debug models --bundled` output (see readBundledModelCatalog); one entry becomes the simulated model. */
  bundledModelsJson?: string;
  /**
   * A ready catalog (for example from {@link simulatedModelCatalog}, cached across homes); must list the model.
   * `null`: none (the catalog could not be read): codex then warns on every turn and offers no apply_patch tool.
   */
  modelCatalog?: SimulatedModelCatalog | null;
  /** Model slug (default `dispatch-sim`). */
  model?: string;
  /** Default `never`. */
  approvalPolicy?: SimulatedApprovalPolicy;
  /** Default `danger-full-access`. */
  sandboxMode?: SimulatedSandboxMode;
  /** How long codex waits on a silent stream before failing the turn (default 60000). */
  streamIdleTimeoutMs?: number;
}

/** The files {@link writeSimulatedCodexHome} wrote (no catalog file when `modelCatalog` was null). */
export interface SimulatedCodexHome {
  configPath: string;
  modelCatalogPath: string | null;
}

const modelCatalogFile = (codexHome: string): string => path.join(path.resolve(codexHome), 'model-catalog.json');

/** The catalog an earlier {@link writeSimulatedCodexHome} left in this codex home, if it is still readable and lists `model`. */
export function writtenModelCatalog(codexHome: string, model: string = SIMULATED_MODEL): SimulatedModelCatalog | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(modelCatalogFile(codexHome), 'utf8'));
    if (!isRecord(parsed) || !Array.isArray(parsed['models'])) return undefined;
    return parsed['models'].some((m: unknown) => isRecord(m) && m['slug'] === model) ? (parsed as unknown as SimulatedModelCatalog) : undefined;
  } catch {
    return undefined;
  }
}

const CONFIG_APPROVAL_POLICIES: readonly string[] = APPROVAL_POLICIES.filter((policy) => policy !== 'untrusted');
const CONFIG_SANDBOX_MODES: readonly string[] = SANDBOX_MODES;

/** The environment the app-server needs for the simulated provider (its API key variable). */
export function simulatedProviderEnv(): Record<string, string> {
  return { [SIMULATED_API_KEY_ENV]: 'dispatch-sim' };
}

/** TMPDIR for an app-server on this home (created): codex refuses to put helper binaries under the system temp dir. */
export function codexTmpDir(codexHome: string): string {
  const dir = path.join(codexHome, 'tmp');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Builds the catalog codex needs for a model it does not know: without it every turn warns and
 * the apply_patch tool is missing. The bundled `gpt-5.5` entry (else the first) is renamed to `slug`.
 */
export function simulatedModelCatalog(bundledModelsJson: string, slug: string = SIMULATED_MODEL): SimulatedModelCatalog {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bundledModelsJson);
  } catch (cause) {
    throw new DispatchError('validation', 'the bundled model catalog is not JSON (expected `codex debug models --bundled` output)', { cause });
  }
  const models = isRecord(parsed) && Array.isArray(parsed['models']) ? parsed['models'].filter(isRecord) : [];
  const base = models.find((m) => m['slug'] === 'gpt-5.5') ?? models[0];
  if (!base) throw new DispatchError('validation', 'the bundled model catalog lists no model to base the simulated model on');
  const instructions = 'You are a simulated coding agent whose replies are scripted by dispatch.';
  const entry: Record<string, unknown> = {
    ...base,
    slug,
    display_name: `${slug} (simulated)`,
    description: "Scripted replies from dispatch's simulated provider; no tokens are spent.",
    base_instructions: instructions,
    // An upgrade entry would advertise a migration to a real model.
    upgrade: null,
  };
  const messages = base['model_messages'];
  if (isRecord(messages) && typeof messages['instructions_template'] === 'string') {
    // Codex sends the template (21 KB for gpt-5.5) as the first developer message of every request, not base_instructions.
    entry['model_messages'] = { ...messages, instructions_template: instructions };
  }
  return { models: [entry] };
}

/** Writes `config.toml` and the model catalog so an app-server on this home talks only to the simulated provider. */
export async function writeSimulatedCodexHome(options: SimulatedCodexHomeOptions): Promise<SimulatedCodexHome> {
  const model = options.model ?? SIMULATED_MODEL;
  if (model.trim() === '' || [...model].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new DispatchError('validation', `invalid model slug ${JSON.stringify(model)}`);
  }
  const approvalPolicy: string = options.approvalPolicy ?? 'never';
  if (approvalPolicy === 'untrusted') {
    // codex 0.169 refuses to start with it in config.toml; it is still accepted per thread or turn.
    throw new DispatchError('validation', 'approval_policy "untrusted" is a fatal config error in codex 0.169; pass it per thread or turn instead');
  }
  if (!CONFIG_APPROVAL_POLICIES.includes(approvalPolicy)) {
    throw new DispatchError('validation', `approval policy must be one of ${CONFIG_APPROVAL_POLICIES.join(', ')}, not ${JSON.stringify(approvalPolicy)}`);
  }
  const sandboxMode: string = options.sandboxMode ?? 'danger-full-access';
  if (!CONFIG_SANDBOX_MODES.includes(sandboxMode)) {
    throw new DispatchError('validation', `sandbox mode must be one of ${CONFIG_SANDBOX_MODES.join(', ')}, not ${JSON.stringify(sandboxMode)}`);
  }
  const streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 60_000;
  if (!Number.isInteger(streamIdleTimeoutMs) || streamIdleTimeoutMs <= 0) {
    throw new DispatchError('validation', 'streamIdleTimeoutMs must be a positive integer');
  }
  checkProviderUrl(options.providerUrl);
  const catalog = catalogFor(options, model);

  await mkdir(options.codexHome, { recursive: true });
  const modelCatalogPath = catalog === null ? null : modelCatalogFile(options.codexHome);
  if (modelCatalogPath !== null) await writeFile(modelCatalogPath, `${JSON.stringify(catalog)}\n`);
  const config = `# Written by dispatch: codex talks only to the simulated model provider on loopback.
model = ${toml(model)}
model_provider = ${toml(SIMULATED_PROVIDER_ID)}
${modelCatalogPath === null ? '# no model_catalog_json: the bundled catalog could not be read' : `model_catalog_json = ${toml(modelCatalogPath)}`}
approval_policy = ${toml(approvalPolicy)}
sandbox_mode = ${toml(sandboxMode)}
check_for_update_on_startup = false
# default_mode_request_user_input (below) is under development: codex would warn on every thread.
suppress_unstable_features_warning = true

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"
metrics_exporter = "none"
trace_exporter = "none"

[features]
# plugins would reach for GitHub at startup; shell snapshots slow thread/start badly past ~50 threads.
plugins = false
shell_snapshot = false
# codex 0.171 lists request_user_input in every turn but answers the call "unavailable in Default
# mode" unless the turn is in Plan mode or this (under development) feature is on.
default_mode_request_user_input = true

[model_providers.${SIMULATED_PROVIDER_ID}]
name = "dispatch simulated provider"
base_url = ${toml(options.providerUrl)}
wire_api = "responses"
env_key = ${toml(SIMULATED_API_KEY_ENV)}
# A retry would replay a scripted failure and blur what the test or rehearsal asked for.
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = ${streamIdleTimeoutMs}
`;
  const configPath = path.join(path.resolve(options.codexHome), 'config.toml');
  await writeFile(configPath, config);
  return { configPath, modelCatalogPath };
}

function catalogFor(options: SimulatedCodexHomeOptions, model: string): SimulatedModelCatalog | null {
  if (options.modelCatalog === null) return null;
  if (options.modelCatalog !== undefined) {
    const catalog: unknown = options.modelCatalog;
    if (!isRecord(catalog) || !Array.isArray(catalog['models'])) {
      throw new DispatchError('validation', 'modelCatalog must look like { "models": [...] }');
    }
    if (!catalog['models'].some((m: unknown) => isRecord(m) && m['slug'] === model)) {
      throw new DispatchError('validation', `modelCatalog has no entry with slug ${JSON.stringify(model)}`);
    }
    return options.modelCatalog;
  }
  if (options.bundledModelsJson === undefined) {
    // Without a catalog codex warns on every turn and drops the apply_patch tool.
    throw new DispatchError('validation', 'give bundledModelsJson (from readBundledModelCatalog) or modelCatalog');
  }
  return simulatedModelCatalog(options.bundledModelsJson, model);
}

function checkProviderUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Codex reports a bad base_url only as "builder error" on the first turn; fail here instead.
    throw new DispatchError('validation', `providerUrl ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DispatchError('validation', `providerUrl must be http(s), not ${parsed.protocol}`);
  }
}

/** TOML basic strings share JSON's escapes, so JSON.stringify yields a valid TOML string. */
function toml(value: string): string {
  return JSON.stringify(value);
}
