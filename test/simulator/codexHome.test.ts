import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DispatchError } from '../../src/shared/errors.js';
import {
  codexTmpDir,
  simulatedModelCatalog,
  simulatedProviderEnv,
  writeSimulatedCodexHome,
  SIMULATED_API_KEY_ENV,
} from '../../src/simulator/index.js';

/** The real shape of `codex debug models --bundled`, cut down. */
const bundled = JSON.stringify({
  models: [
    { slug: 'gpt-6-astra', display_name: 'GPT-6-Astra', base_instructions: 'long', model_messages: null, upgrade: null },
    {
      slug: 'gpt-5.5',
      display_name: 'GPT-5.5',
      apply_patch_tool_type: 'freeform',
      base_instructions: 'very long instructions',
      model_messages: { instructions_template: 'a 21 KB template', approvals: null },
      upgrade: { model: 'gpt-6-sol', migration_markdown: '…' },
    },
  ],
});

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dispatch-sim-home-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulatedModelCatalog', () => {
  it('renames the gpt-5.5 entry and shortens its instructions', () => {
    const catalog = simulatedModelCatalog(bundled, 'my-sim');
    expect(catalog.models).toHaveLength(1);
    const entry = catalog.models[0] ?? {};
    expect(entry).toMatchObject({ slug: 'my-sim', display_name: 'my-sim (simulated)', apply_patch_tool_type: 'freeform', upgrade: null });
    expect(entry['base_instructions']).toMatch(/^[^.]+\.$/);
    expect(entry['model_messages']).toEqual({ instructions_template: entry['base_instructions'], approvals: null });
  });

  it('falls back to the first entry and rejects junk', () => {
    const only = JSON.stringify({ models: [{ slug: 'a', model_messages: null }] });
    expect(simulatedModelCatalog(only).models[0]).toMatchObject({ slug: 'dispatch-sim', model_messages: null });
    expect(() => simulatedModelCatalog('not json')).toThrow(DispatchError);
    expect(() => simulatedModelCatalog('{"models":[]}')).toThrow(/no model/);
  });
});

describe('writeSimulatedCodexHome', () => {
  it('writes the config keys codex needs and a catalog with the model', async () => {
    const codexHome = path.join(dir, 'home');
    const written = await writeSimulatedCodexHome({ codexHome, providerUrl: 'http://127.0.0.1:4321/v1', bundledModelsJson: bundled });
    expect(written.configPath).toBe(path.join(codexHome, 'config.toml'));
    const config = parse(await readFile(written.configPath, 'utf8'));
    expect(config).toEqual({
      model: 'dispatch-sim',
      model_provider: 'dispatch-sim',
      model_catalog_json: written.modelCatalogPath,
      approval_policy: 'never',
      sandbox_mode: 'danger-full-access',
      check_for_update_on_startup: false,
      suppress_unstable_features_warning: true,
      analytics: { enabled: false },
      feedback: { enabled: false },
      otel: { exporter: 'none', metrics_exporter: 'none', trace_exporter: 'none' },
      features: { plugins: false, shell_snapshot: false, default_mode_request_user_input: true },
      model_providers: {
        'dispatch-sim': {
          name: 'dispatch simulated provider',
          base_url: 'http://127.0.0.1:4321/v1',
          wire_api: 'responses',
          env_key: SIMULATED_API_KEY_ENV,
          request_max_retries: 0,
          stream_max_retries: 0,
          stream_idle_timeout_ms: 60000,
        },
      },
    });
    const catalog = JSON.parse(await readFile(written.modelCatalogPath ?? '', 'utf8')) as { models: Array<{ slug: string }> };
    expect(catalog.models.map((m) => m.slug)).toEqual(['dispatch-sim']);
  });

  it('honours the options and a ready catalog', async () => {
    const codexHome = path.join(dir, 'home "quoted"');
    const modelCatalog = simulatedModelCatalog(bundled, 'other');
    const written = await writeSimulatedCodexHome({
      codexHome,
      providerUrl: 'http://127.0.0.1:1/v1',
      modelCatalog,
      model: 'other',
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      streamIdleTimeoutMs: 1500,
    });
    const config = parse(await readFile(written.configPath, 'utf8'));
    expect(config).toMatchObject({
      model: 'other',
      model_catalog_json: path.join(codexHome, 'model-catalog.json'),
      approval_policy: 'on-request',
      sandbox_mode: 'workspace-write',
      model_providers: { 'dispatch-sim': { stream_idle_timeout_ms: 1500 } },
    });
  });

  it.each([
    ['untrusted approval', { approvalPolicy: 'untrusted' }, /untrusted/],
    ['unknown approval', { approvalPolicy: 'sometimes' }, /approval policy/],
    ['unknown sandbox', { sandboxMode: 'open' }, /sandbox mode/],
    ['bad url', { providerUrl: 'http://127.0.0.1:{port}/v1' }, /not a URL/],
    ['non-http url', { providerUrl: 'ftp://127.0.0.1/v1' }, /http/],
    ['no catalog', { bundledModelsJson: undefined }, /bundledModelsJson/],
    ['catalog without the model', { bundledModelsJson: undefined, modelCatalog: { models: [{ slug: 'x' }] } }, /no entry/],
    ['bad timeout', { streamIdleTimeoutMs: 0 }, /positive/],
  ])('rejects %s with a validation error', async (_label, override, message) => {
    const options = { codexHome: path.join(dir, 'h'), providerUrl: 'http://127.0.0.1:1/v1', bundledModelsJson: bundled, ...override };
    const error = await writeSimulatedCodexHome(options as Parameters<typeof writeSimulatedCodexHome>[0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).code).toBe('validation');
    expect((error as DispatchError).message).toMatch(message);
    expect(existsSync(path.join(dir, 'h', 'config.toml'))).toBe(false);
  });
});

describe('environment helpers', () => {
  it('gives the API key variable and a created tmp dir inside the home', () => {
    expect(simulatedProviderEnv()).toEqual({ DISPATCH_SIM_API_KEY: 'dispatch-sim' });
    const tmp = codexTmpDir(path.join(dir, 'home'));
    expect(tmp).toBe(path.join(dir, 'home', 'tmp'));
    expect(existsSync(tmp)).toBe(true);
  });
});
