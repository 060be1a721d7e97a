import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectNotification, projectServerRequest } from '../../src/codex/events.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';

// Real codex app-server 0.169.0 transcripts (copied from shared/reference so CI and users do not
// need that folder). Each line is {dt, dir, msg}: `in` = server→client, `out` = client→server,
// plus `exit` / `stdout-eof` process events.

const FIXTURES = fileURLToPath(new URL('../fixtures/codex-0.169.0/', import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL('../../src/protocol/generated/schema/codex_app_server_protocol.schemas.json', import.meta.url));

interface WireMessage {
  id?: string | number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
  /** ServerNotification carries it at the top level. */
  emittedAtMs?: unknown;
}

interface Entry {
  dt: number;
  dir: 'in' | 'out' | 'exit' | 'stdout-eof';
  msg: WireMessage;
  line: number;
}

type Notification = WireMessage & { method: string };
type Request = WireMessage & { method: string; id: string | number };

function load(file: string): Entry[] {
  return readFileSync(`${FIXTURES}${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => ({ ...(JSON.parse(l) as Omit<Entry, 'line'>), line: i + 1 }));
}

const isNotification = (m: WireMessage): m is Notification => typeof m.method === 'string' && m.id === undefined;
const isRequest = (m: WireMessage): m is Request => typeof m.method === 'string' && m.id !== undefined;

const incomingNotifications = (entries: Entry[]): Notification[] => entries.filter((e) => e.dir === 'in').map((e) => e.msg).filter(isNotification);
const incomingRequests = (entries: Entry[]): Request[] => entries.filter((e) => e.dir === 'in').map((e) => e.msg).filter(isRequest);
const project = (entries: Entry[]): LaneEvent[] => incomingNotifications(entries).flatMap((m) => projectNotification(m));

/** The nth outgoing request of a method and the server's answer to it. */
function responseTo(entries: Entry[], method: string, nth = 0): { request: Request; response: WireMessage } {
  const requests = entries.filter((e) => e.dir === 'out').map((e) => e.msg).filter(isRequest).filter((m) => m.method === method);
  const request = requests[nth];
  if (!request) throw new Error(`no ${method} request #${nth}`);
  const response = entries.find((e) => e.dir === 'in' && e.msg.method === undefined && e.msg.id === request.id)?.msg;
  if (!response) throw new Error(`no response to ${method} id ${String(request.id)}`);
  return { request, response };
}

type EventOf<T extends LaneEvent['type']> = Extract<LaneEvent, { type: T }>;
const ofType = <T extends LaneEvent['type']>(events: LaneEvent[], type: T): EventOf<T>[] => events.filter((e): e is EventOf<T> => e.type === type);

const TRANSCRIPTS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.jsonl'))
  .sort();

describe('codex 0.169.0 transcript fixtures', () => {
  it('are all present and well-formed', () => {
    expect(TRANSCRIPTS).toEqual([
      '01-threads.jsonl',
      '02-plain-turn.jsonl',
      '03-tools-approvals.jsonl',
      '04a-steer-interrupt-kill.jsonl',
      '04b-restart-resume.jsonl',
      '05-filechange.jsonl',
      '08-errors.jsonl',
      '09-sse-minimal.jsonl',
      '10-misc.jsonl',
    ]);
    for (const file of TRANSCRIPTS) {
      const entries = load(file);
      expect(entries.length, file).toBeGreaterThan(10);
      for (const e of entries) {
        expect(['in', 'out', 'exit', 'stdout-eof'], `${file}:${e.line}`).toContain(e.dir);
        expect(typeof e.dt, `${file}:${e.line}`).toBe('number');
      }
      // codex speaks JSON-RPC lite: no "jsonrpc" field either way.
      expect(entries.filter((e) => e.dir === 'in' || e.dir === 'out').some((e) => 'jsonrpc' in e.msg), file).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Schema validation with ajv (the ajv 8 the MCP SDK depends on; the top-level node_modules/ajv
// may be another major pulled in by eslint, so it is resolved from the SDK's own validator).

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  addSchema(schema: object, key: string): AjvInstance;
  addFormat(name: string, format: { type: 'number'; validate: (value: number) => boolean }): AjvInstance;
  getSchema(ref: string): ValidateFunction | undefined;
}
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance;

interface SchemaBundle {
  $schema: string;
  definitions: Record<string, unknown> & { v2: Record<string, unknown> };
}
interface UnionDefinition {
  oneOf: Array<{ properties: { method: { enum: string[] } }; required?: string[] }>;
  properties?: Record<string, unknown>;
}

function loadAjv(): { Ajv: AjvConstructor; version: string } {
  const require = createRequire(import.meta.url);
  const sdkRequire = createRequire(require.resolve('@modelcontextprotocol/sdk/validation/ajv'));
  const mod = sdkRequire('ajv') as AjvConstructor & { default?: AjvConstructor };
  const { version } = sdkRequire('ajv/package.json') as { version: string };
  return { Ajv: mod.default ?? mod, version };
}

const bundle = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaBundle;
const SCHEMA_KEY = 'codex';

/** Methods a oneOf union of `{method: {enum: [m]}}` branches allows. */
function unionMethods(definition: string): Set<string> {
  const union = bundle.definitions[definition] as UnionDefinition;
  return new Set(union.oneOf.flatMap((b) => b.properties.method.enum));
}

function formatErrors(errors: AjvError[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '/'} ${e.keyword} ${e.message ?? ''} ${JSON.stringify(e.params)} (${e.schemaPath})`)
    .join('\n    ');
}

describe('transcripts validate against the generated JSON schema', () => {
  let ajv: AjvInstance;
  const validator = (ref: string): ValidateFunction => {
    const v = ajv.getSchema(`${SCHEMA_KEY}#/definitions/${ref}`);
    if (!v) throw new Error(`no schema definition ${ref}`);
    return v;
  };
  /**
   * Validates a message against its definition. Each union is a oneOf discriminated by a one-value
   * `method` enum (checked below), so exactly one branch can match and validating against the branch
   * of the message's method is the same as validating against the union; it compiles only the
   * branches the transcripts use (the whole bundle takes seconds) and gives focused errors.
   */
  const check = (definition: string, message: WireMessage, where: string): string | undefined => {
    const union = bundle.definitions[definition] as UnionDefinition;
    const branches = union.oneOf.flatMap((b, i) => (b.properties.method.enum.includes(message.method ?? '') ? [i] : []));
    if (branches.length !== 1) return `${where} ${message.method ?? '?'} is not a method of ${definition}`;
    const errors: AjvError[] = [];
    const validate = validator(`${definition}/oneOf/${branches[0] ?? -1}`);
    if (!validate(message)) errors.push(...(validate.errors ?? []));
    // Properties the union itself constrains (ServerNotification: emittedAtMs), as `properties` does.
    const record = message as Record<string, unknown>;
    for (const key of Object.keys(union.properties ?? {})) {
      if (!(key in record)) continue;
      const property = validator(`${definition}/properties/${key}`);
      if (!property(record[key])) errors.push(...(property.errors ?? []).map((e) => ({ ...e, instancePath: `/${key}${e.instancePath}` })));
    }
    return errors.length === 0 ? undefined : `${where} ${message.method ?? '?'} is not a valid ${definition}:\n    ${formatErrors(errors)}`;
  };

  beforeAll(() => {
    const { Ajv, version } = loadAjv();
    expect(Number.parseInt(version, 10), `ajv ${version}`).toBeGreaterThanOrEqual(8);
    // The bundle says draft-07, which the default Ajv class implements.
    expect(bundle.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // inlineRefs: false: the bundle is large and inlining its refs roughly doubles compile time.
    ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true, inlineRefs: false });
    const integer = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
    ajv.addFormat('int32', { type: 'number', validate: integer(-(2 ** 31), 2 ** 31 - 1) });
    ajv.addFormat('uint16', { type: 'number', validate: integer(0, 2 ** 16 - 1) });
    ajv.addFormat('uint32', { type: 'number', validate: integer(0, 2 ** 32 - 1) });
    ajv.addFormat('int64', { type: 'number', validate: (n) => Number.isInteger(n) });
    ajv.addFormat('uint64', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 });
    ajv.addFormat('uint', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 });
    ajv.addFormat('double', { type: 'number', validate: (n) => Number.isFinite(n) });
    ajv.addSchema(bundle, SCHEMA_KEY);
  });

  it('each union is a oneOf discriminated by method, so branch validation equals union validation', () => {
    for (const definition of ['ServerNotification', 'ServerRequest', 'ClientRequest', 'ClientNotification']) {
      const union = bundle.definitions[definition] as UnionDefinition;
      // Nothing but the oneOf and plain `properties` (checked by `check` too) constrains the union.
      expect(Object.keys(union).filter((k) => !['$schema', 'description', 'title', 'oneOf', 'properties'].includes(k)), definition).toEqual([]);
      const methods = union.oneOf.map((b) => b.properties.method.enum);
      expect(methods.every((m) => m.length === 1), definition).toBe(true);
      expect(new Set(methods.flat()).size, definition).toBe(methods.length);
      const required = union.oneOf.map((b) => b.required ?? []);
      expect(required.every((r) => r.includes('method')), definition).toBe(true);
    }
    // The small ServerRequest union agrees with its branches on a real approval request.
    const approval = incomingRequests(load('03-tools-approvals.jsonl'))[0];
    expect(validator('ServerRequest')(approval)).toBe(true);
    expect(check('ServerRequest', approval ?? {}, 'captured')).toBeUndefined();
  });

  it('the validators are not vacuous: broken messages and unknown methods fail', () => {
    const broken = { method: 'turn/completed', params: { threadId: 't', turn: { id: 'x', status: 'exploded' } } };
    expect(check('ServerNotification', broken, 'synthetic')).toMatch(/turn\/completed is not a valid ServerNotification/);
    expect(check('ServerNotification', { method: 'turn/failed', params: {} }, 'synthetic')).toContain('is not a method of ServerNotification');
    expect(check('ServerRequest', { id: 1, method: 'item/commandExecution/requestApproval', params: { threadId: 't' } }, 'synthetic')).toContain('is not a valid');
    expect(validator('ServerRequest')({ id: 1, method: 'item/commandExecution/requestApproval', params: { threadId: 't' } })).toBe(false);
    expect(check('ClientRequest', { id: 1, method: 'turn/start', params: { threadId: 't', input: 'not an array' } }, 'synthetic')).toContain('/params/input');
    expect(check('ClientRequest', { id: 1, method: 'thread/rollback', params: {} }, 'synthetic')).toContain('is not a method of ClientRequest');
    // A request without an id is not a ClientRequest.
    expect(check('ClientRequest', { method: 'thread/start', params: {} }, 'synthetic')).toContain('is not a valid');
    // The union-level emittedAtMs must be an integer.
    expect(check('ServerNotification', { method: 'thread/status/changed', params: { threadId: 't', status: { type: 'idle' } }, emittedAtMs: 'soon' }, 'synthetic')).toContain(
      '/emittedAtMs',
    );
    expect(validator('ServerNotification/properties/emittedAtMs')(1795580046924)).toBe(true);
    // And a known-good message passes.
    expect(check('ServerNotification', { method: 'thread/status/changed', params: { threadId: 't', status: { type: 'idle' } } }, 'synthetic')).toBeUndefined();
  });

  it.each(TRANSCRIPTS)('%s: every incoming notification is a known method and a valid ServerNotification', (file) => {
    const known = unionMethods('ServerNotification');
    const entries = load(file);
    const notifications = entries.filter((e) => e.dir === 'in' && isNotification(e.msg));
    expect(notifications.length).toBeGreaterThan(0);
    const unknown = notifications.filter((e) => !known.has(e.msg.method ?? '')).map((e) => `${file}:${e.line} ${e.msg.method ?? '?'}`);
    expect(unknown, 'methods outside the generated ServerNotification union').toEqual([]);
    const failures = notifications.map((e) => check('ServerNotification', e.msg, `${file}:${e.line}`)).filter((f) => f !== undefined);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it.each(TRANSCRIPTS)('%s: every incoming server request is a valid ServerRequest', (file) => {
    const known = unionMethods('ServerRequest');
    const requests = load(file).filter((e) => e.dir === 'in' && isRequest(e.msg));
    const failures = requests
      .map((e) => (known.has(e.msg.method ?? '') ? check('ServerRequest', e.msg, `${file}:${e.line}`) : `${file}:${e.line} unknown server request ${e.msg.method ?? '?'}`))
      .filter((f) => f !== undefined);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('server requests do occur in the approval transcripts (the check above is not empty)', () => {
    expect(incomingRequests(load('03-tools-approvals.jsonl')).length).toBe(4);
    expect(incomingRequests(load('05-filechange.jsonl')).length).toBe(3);
  });

  it.each(TRANSCRIPTS)('%s: every outgoing request is a valid ClientRequest and every outgoing notification a ClientNotification', (file) => {
    const entries = load(file).filter((e) => e.dir === 'out');
    const requests = entries.filter((e) => isRequest(e.msg));
    expect(requests.length).toBeGreaterThan(0);
    const failures = [
      ...requests.map((e) => check('ClientRequest', e.msg, `${file}:${e.line}`)),
      ...entries.filter((e) => isNotification(e.msg)).map((e) => check('ClientNotification', e.msg, `${file}:${e.line}`)),
    ].filter((f) => f !== undefined);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it.each(TRANSCRIPTS)('%s: answers to approvals and to client requests match their response schemas', (file) => {
    const responseSchema: Record<string, string> = {
      initialize: 'InitializeResponse',
      'thread/start': 'v2/ThreadStartResponse',
      'thread/resume': 'v2/ThreadResumeResponse',
      'thread/list': 'v2/ThreadListResponse',
      'thread/loaded/list': 'v2/ThreadLoadedListResponse',
      'thread/read': 'v2/ThreadReadResponse',
      'thread/turns/list': 'v2/ThreadTurnsListResponse',
      'turn/start': 'v2/TurnStartResponse',
      'turn/steer': 'v2/TurnSteerResponse',
      'turn/interrupt': 'v2/TurnInterruptResponse',
      'item/commandExecution/requestApproval': 'CommandExecutionRequestApprovalResponse',
      'item/fileChange/requestApproval': 'FileChangeRequestApprovalResponse',
    };
    const entries = load(file);
    const failures: string[] = [];
    let checked = 0;
    for (const [dir, answerDir] of [
      ['out', 'in'],
      ['in', 'out'],
    ] as const) {
      for (const e of entries.filter((x) => x.dir === dir && isRequest(x.msg))) {
        const answer = entries.find((x) => x.dir === answerDir && x.msg.method === undefined && x.msg.id === e.msg.id && x.line > e.line);
        if (!answer || answer.msg.result === undefined) continue;
        const schema = responseSchema[e.msg.method ?? ''];
        if (!schema) {
          failures.push(`${file}:${answer.line} no response schema listed for ${e.msg.method ?? '?'}`);
          continue;
        }
        checked++;
        const validate = validator(schema);
        if (!validate(answer.msg.result)) failures.push(`${file}:${answer.line} ${e.msg.method ?? '?'} result is not a valid ${schema}:\n    ${formatErrors(validate.errors)}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(failures, failures.join('\n')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Projections replayed over the real wire order.

describe('projecting the transcripts', () => {
  it('every notification of every transcript projects without throwing, into events of its own thread', () => {
    for (const file of TRANSCRIPTS) {
      for (const m of incomingNotifications(load(file))) {
        const events = projectNotification(m);
        const threadId = (m.params as { threadId?: unknown } | undefined)?.threadId;
        for (const e of events) if (typeof threadId === 'string') expect(e.laneId, `${file} ${m.method}`).toBe(threadId);
      }
    }
  });

  it('02-plain-turn: active → turnStarted(T) → … → idle → turnCompleted(T, completed, last agent message)', () => {
    const entries = load('02-plain-turn.jsonl');
    const { response: started } = responseTo(entries, 'turn/start');
    const turnId = (started.result as { turn: { id: string } }).turn.id;
    const { response: thread } = responseTo(entries, 'thread/start');
    const threadId = (thread.result as { thread: { id: string } }).thread.id;
    const agentItem = incomingNotifications(entries)
      .filter((m) => m.method === 'item/completed')
      .map((m) => (m.params as { item: { type: string; id: string; text?: string } }).item)
      .find((i) => i.type === 'agentMessage');
    const agentText = agentItem?.text;
    expect(agentText).toBeTypeOf('string');
    expect(agentText).not.toBe('');

    const events = project(entries);
    expect(events.every((e) => e.laneId === threadId)).toBe(true);
    const skeleton = events.filter((e) => e.type === 'statusChanged' || e.type === 'turnStarted' || e.type === 'turnCompleted');
    expect(skeleton).toEqual([
      { type: 'statusChanged', laneId: threadId, status: 'active', activeFlags: [] },
      { type: 'turnStarted', laneId: threadId, turnId },
      { type: 'statusChanged', laneId: threadId, status: 'idle', activeFlags: [] },
      expect.objectContaining({ type: 'turnCompleted', laneId: threadId, turnId, outcome: 'completed', lastAgentMessage: agentText }),
    ]);
    expect(events[0]?.type).toBe('statusChanged');
    expect(events.at(-1)?.type).toBe('turnCompleted');

    // Between them: the user message and the agent message items, the streamed deltas, token usage.
    const items = events.filter((e) => e.type === 'itemStarted' || e.type === 'itemCompleted').map((e) => `${e.type}:${e.item.type}`);
    expect(items).toEqual(['itemStarted:userMessage', 'itemCompleted:userMessage', 'itemStarted:agentMessage', 'itemCompleted:agentMessage']);
    const deltas = ofType(events, 'agentMessageDelta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.delta).join('')).toBe(agentText);
    expect(deltas.every((d) => d.turnId === turnId && d.itemId === agentItem?.id)).toBe(true);
    expect(ofType(events, 'tokenUsage')).toHaveLength(1);
    const completed = ofType(events, 'turnCompleted')[0];
    expect(completed?.durationMs).toBeGreaterThan(0);
    expect(completed).not.toHaveProperty('error');
  });

  it('08-errors: each failing turn gives turnError and a failed turnCompleted with the messages from the file', () => {
    const entries = load('08-errors.jsonl');
    const notifications = incomingNotifications(entries);
    const errorParams = notifications
      .filter((m) => m.method === 'error')
      .map((m) => m.params as { turnId: string; willRetry: boolean; error: { message: string; codexErrorInfo: unknown } });
    const failedTurns = notifications
      .filter((m) => m.method === 'turn/completed')
      .map((m) => (m.params as { turn: { id: string; status: string; error: { message: string } | null } }).turn)
      .filter((t) => t.status === 'failed');
    expect(errorParams).toHaveLength(4);
    expect(failedTurns).toHaveLength(4);

    const events = project(entries);
    const turnErrors = ofType(events, 'turnError');
    const completions = ofType(events, 'turnCompleted');
    expect(turnErrors.map((e) => ({ turnId: e.turnId, message: e.error.message, willRetry: e.willRetry }))).toEqual(
      errorParams.map((p) => ({ turnId: p.turnId, message: p.error.message, willRetry: p.willRetry })),
    );
    expect(turnErrors.map((e) => e.error.code)).toEqual(errorParams.map((p) => p.error.codexErrorInfo));
    expect(turnErrors.map((e) => e.error.message)).toContain('stream disconnected before completion: scripted failure');

    const failed = completions.filter((c) => c.outcome === 'failed');
    expect(failed.map((c) => ({ turnId: c.turnId, message: c.error?.message }))).toEqual(failedTurns.map((t) => ({ turnId: t.id, message: t.error?.message })));
    for (const c of failed) {
      // The error notification comes before the turn/completed of the same turn, after a systemError status.
      const errorIndex = events.findIndex((e) => e.type === 'turnError' && e.turnId === c.turnId);
      const completedIndex = events.indexOf(c);
      expect(errorIndex).toBeGreaterThanOrEqual(0);
      expect(errorIndex).toBeLessThan(completedIndex);
      expect(events[errorIndex - 1]).toMatchObject({ type: 'statusChanged', status: 'systemError' });
      expect(c.error?.code).toBe(turnErrors.find((e) => e.turnId === c.turnId)?.error.code);
      expect(c).not.toHaveProperty('lastAgentMessage');
    }
    // The last turn of the file recovers.
    expect(completions.at(-1)).toMatchObject({ outcome: 'completed' });
    expect(completions.map((c) => c.outcome)).toEqual(['failed', 'failed', 'failed', 'failed', 'completed']);
  });

  it('03-tools-approvals: each command approval request projects to approvalRequested(kind command) with its request id', () => {
    const entries = load('03-tools-approvals.jsonl');
    const requests = incomingRequests(entries);
    expect(requests.map((r) => r.method)).toEqual(Array.from({ length: 4 }, () => 'item/commandExecution/requestApproval'));
    for (const r of requests) {
      const p = r.params as { threadId: string; turnId: string; itemId: string; command: string; cwd: string; reason?: string | null };
      expect(projectServerRequest(r.method, r.id, r.params)).toEqual({
        type: 'approvalRequested',
        laneId: p.threadId,
        turnId: p.turnId,
        itemId: p.itemId,
        requestId: r.id,
        kind: 'command',
        command: p.command,
        cwd: p.cwd,
        ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
      });
    }
    // Each request is later resolved by serverRequest/resolved with the same id on the same thread.
    const resolved = ofType(project(entries), 'approvalResolved');
    expect(resolved.map((e) => [e.laneId, e.requestId])).toEqual(requests.map((r) => [(r.params as { threadId: string }).threadId, r.id]));
    // And the thread reported waitingOnApproval before each request.
    for (const r of requests) {
      const index = entries.findIndex((e) => e.dir === 'in' && e.msg === r);
      const before = entries.slice(0, index).map((e) => e.msg).filter(isNotification).flatMap((m) => projectNotification(m));
      expect(ofType(before, 'statusChanged').at(-1)).toMatchObject({ status: 'active', activeFlags: ['waitingOnApproval'] });
    }
  });

  it('05-filechange: each file change approval projects to approvalRequested(kind fileChange)', () => {
    const requests = incomingRequests(load('05-filechange.jsonl'));
    expect(requests.map((r) => r.method)).toEqual(Array.from({ length: 3 }, () => 'item/fileChange/requestApproval'));
    for (const r of requests) {
      const p = r.params as { threadId: string; itemId: string };
      expect(projectServerRequest(r.method, r.id, r.params)).toMatchObject({ type: 'approvalRequested', kind: 'fileChange', requestId: r.id, laneId: p.threadId, itemId: p.itemId });
    }
  });

  it('04a-steer-interrupt-kill: an interrupted turn projects outcome interrupted; the killed one never completes', () => {
    const entries = load('04a-steer-interrupt-kill.jsonl');
    const events = project(entries);
    const completions = ofType(events, 'turnCompleted');
    // The turns that turn/interrupt succeeded on (an error answer means there was nothing to interrupt).
    const interruptedIds = entries
      .filter((e) => e.dir === 'out' && e.msg.method === 'turn/interrupt')
      .filter((e) => entries.some((x) => x.dir === 'in' && x.msg.method === undefined && x.msg.id === e.msg.id && x.msg.result !== undefined))
      .map((e) => (e.msg.params as { turnId: string }).turnId);
    expect(interruptedIds).toHaveLength(2);
    for (const turnId of interruptedIds) {
      const completed = completions.find((c) => c.turnId === turnId);
      expect(completed, `turn ${turnId}`).toBeDefined();
      expect(completed?.outcome).toBe('interrupted');
      expect(completed).not.toHaveProperty('error');
    }
    // The steered turn completed normally with the steered input echoed.
    expect(completions.map((c) => c.outcome)).toEqual(['completed', 'interrupted', 'interrupted']);
    expect(completions[0]?.lastAgentMessage).toBe('Echo: steered input');
    // The process was SIGKILLed mid-turn: the last turnStarted has no turnCompleted.
    const started = ofType(events, 'turnStarted');
    expect(started).toHaveLength(4);
    const last = started.at(-1);
    expect(completions.some((c) => c.turnId === last?.turnId)).toBe(false);
    expect(entries.find((e) => e.dir === 'exit')?.msg).toMatchObject({ signal: 'SIGKILL' });
  });

  it('10-misc: interrupting a turn with a pending approval gives interrupted, then the approval is resolved', () => {
    const events = project(load('10-misc.jsonl'));
    const interruptedIndex = events.findIndex((e) => e.type === 'turnCompleted' && e.outcome === 'interrupted');
    const resolvedIndex = events.findIndex((e) => e.type === 'approvalResolved');
    expect(interruptedIndex).toBeGreaterThanOrEqual(0);
    expect(resolvedIndex).toBeGreaterThan(interruptedIndex);
  });

  it('every completed turn reports the text of its last completed agent message', () => {
    let checked = 0;
    for (const file of TRANSCRIPTS) {
      const events = project(load(file));
      for (const c of ofType(events, 'turnCompleted')) {
        const last = ofType(events, 'itemCompleted')
          .filter((e) => e.turnId === c.turnId && e.item.type === 'agentMessage')
          .at(-1);
        if (c.outcome === 'completed' && last) {
          checked++;
          expect(c.lastAgentMessage, `${file} turn ${c.turnId}`).toBe(last.item.text);
        }
        if (c.outcome === 'failed') expect(c.error?.message, `${file} turn ${c.turnId}`).toBeTruthy();
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
