// The dispatch dashboard: one page over the daemon's HTTP API. Every action is an op call
// (POST /api/op/<op>, the same contracts and handlers as the CLI and MCP); the board follows the
// fact log over Server-Sent Events (GET /api/events), which the browser resumes by Last-Event-ID.
'use strict';

const COLUMNS = ['working', 'needs-you', 'failed', 'done-unread', 'idle'];
const KINDS = { agentMessage: 'agent', userMessage: 'you', commandExecution: 'command', fileChange: 'files', reasoning: 'reasoning', mcpToolCall: 'tool' };
/** Facts that can change a lane's card: its state is refetched (lane.get), never folded twice here. */
const LANE_FACTS = new Set(['laneCreated', 'laneRenamed', 'laneArchived', 'laneRestored', 'laneWorktreeChanged', 'turnRecovered', 'laneRolledBack', 'laneRead', 'laneLost', 'turnStarted', 'turnCompleted', 'turnError', 'turnLost', 'turnAccepted', 'statusChanged', 'approvalRequested', 'approvalResolved']);

const state = {
  lanes: new Map(), // id → lane (lane.list / lane.get output)
  tokens: new Map(), // id → {total_tokens, last_tokens, context_window}
  requests: [], // pending requests (request.list)
  queued: new Map(), // lane id → its receipts not yet settled (queue.list)
  rateLimits: [], // the account's rate-limit windows (usage), as codex last reported them
  items: new Map(), // item id → live item (for diffs and command exit codes)
  pendingItemOfLane: new Map(), // lane id → the item its latest approval request is about
  selected: null, // lane id shown in the lane view
  lastSeq: null,
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
const announce = (text) => {
  $('announcer').textContent = text;
};
/** A failed read is said aloud and shown; the next fact or click tries again. */
const reportFailure = (what) => (error) => announce(`Could not ${what}: ${error.message}`);

/** Calls an op; rejects with the typed error ({code, message}) the daemon answered. */
async function api(op, input = {}) {
  const response = await fetch(`/api/op/${op}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input), credentials: 'same-origin' });
  const body = await response.json();
  if (!response.ok) throw Object.assign(new Error(body.error?.message ?? response.statusText), { code: body.error?.code });
  return body;
}

// ---- the board -------------------------------------------------------------------------------

const cards = new Map(); // lane id → <li>

function renderCard(lane) {
  let li = cards.get(lane.id);
  if (!li) {
    li = el('li', { dataset: { laneId: lane.id } }, el('button', { type: 'button', className: 'card', onclick: () => openLane(lane.id).catch(reportFailure('open the lane')) }));
    cards.set(lane.id, li);
  }
  li.dataset.laneHandle = lane.handle;
  li.dataset.status = lane.status;
  const usage = state.tokens.get(lane.id);
  const waiting = state.requests.filter((r) => r.lane === lane.id).length;
  const queued = state.queued.get(lane.id) ?? 0;
  const facts = [
    lane.status,
    lane.latest_turn ? `turn ${lane.latest_turn.status}` : 'no turn yet',
    waiting ? `${waiting} waiting for you` : null,
    queued ? `${queued} queued` : null,
    usage ? `${usage.total_tokens} tokens` : null,
  ].filter(Boolean);
  const button = li.firstChild;
  button.replaceChildren(el('span', { className: 'handle', textContent: lane.handle }), el('span', { className: 'meta', textContent: facts.join(' · ') }));
  button.setAttribute('aria-label', `${lane.handle}: ${lane.attention}, ${facts.join(', ')}. Open lane`);
  const column = $(`col-${COLUMNS.includes(lane.attention) ? lane.attention : 'idle'}`);
  if (li.parentElement !== column) {
    // Moving a card keeps its node, so keyboard focus stays on it.
    const before = [...column.children].find((other) => other.dataset.laneHandle > lane.handle);
    column.insertBefore(li, before ?? null);
  }
}

function renderTotals() {
  const lanes = [...state.lanes.values()];
  for (const attention of COLUMNS) document.querySelector(`[data-count="${attention}"]`).textContent = String(lanes.filter((l) => l.attention === attention).length);
  const tokens = [...state.tokens.entries()].filter(([id]) => state.lanes.has(id)).reduce((sum, [, u]) => sum + u.total_tokens, 0);
  const queued = [...state.queued.entries()].filter(([id]) => state.lanes.has(id)).reduce((sum, [, n]) => sum + n, 0);
  const figures = [['Lanes', lanes.length], ['Busy', lanes.filter((l) => l.status === 'busy').length], ['Waiting for you', state.requests.length], ['Queued', queued], ['Tokens', tokens], ...state.rateLimits.map(rateLimitFigure)];
  $('totals').replaceChildren(...figures.map(([name, value]) => el('div', {}, el('dt', { textContent: name }), el('dd', { textContent: String(value), dataset: { total: name.toLowerCase() } }))));
}

/** A rate-limit window as a figure: "Primary window", "95% used · resets 14:05". */
function rateLimitFigure(window) {
  const resets = window.resets_at ? ` · resets ${new Date(window.resets_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : '';
  return [`${window.window === 'primary' ? 'Primary' : 'Secondary'} window`, `${Math.round(window.used_percent)}% used${resets}`];
}

/** Rate limits are the account's, not a lane's, and have no fact: read again (at most once a second) when usage moves. */
let rateLimitsTimer = null;
function refreshRateLimits() {
  if (rateLimitsTimer) return;
  rateLimitsTimer = setTimeout(() => {
    rateLimitsTimer = null;
    api('usage')
      .then(({ rate_limits }) => {
        state.rateLimits = rate_limits;
        renderTotals();
      })
      .catch((error) => {
        if (unreachable(error)) refreshRateLimits();
      });
  }, 1000);
}

function setLane(lane) {
  const before = state.lanes.get(lane.id);
  state.lanes.set(lane.id, lane);
  renderCard(lane);
  renderTotals();
  if (before && before.attention !== lane.attention) announce(`${lane.handle} is now ${lane.attention}`);
  if (state.selected === lane.id) renderLaneSummary();
}

function dropLane(id) {
  state.lanes.delete(id);
  cards.get(id)?.remove();
  cards.delete(id);
  renderTotals();
}

/** No answer at all (the network or the daemon is down), not a typed error: worth asking again. */
const unreachable = (error) => error.code === undefined;
const RETRY_MS = 1000;

/** One lane.get at a time per lane; facts arriving meanwhile ask for one more. */
const refreshing = new Map();
function refreshLane(id) {
  if (refreshing.has(id)) {
    refreshing.set(id, true);
    return;
  }
  refreshing.set(id, false);
  api('lane.get', { lane: id })
    .then((lane) => (lane.status === 'archived' ? dropLane(id) : setLane(lane)))
    .catch((error) => {
      if (error.code === 'not_found') dropLane(id);
      // The fact that asked for this refresh is not sent again: keep asking until the daemon answers.
      else if (unreachable(error)) setTimeout(() => refreshLane(id), RETRY_MS);
    })
    .finally(() => {
      const again = refreshing.get(id);
      refreshing.delete(id);
      if (again) refreshLane(id);
    });
}

// ---- requests ---------------------------------------------------------------------------------

let requestsInFlight = null;
let requestRetries = 0;
function refreshRequests() {
  requestsInFlight ??= api('request.list', { limit: 1000 })
    .then(({ requests }) => {
      state.requests = requests;
      renderRequests();
      renderAllCards();
      // codex marks a thread waiting a moment before its request is stored: look again shortly.
      const unlisted = [...state.lanes.values()].some((l) => l.attention === 'needs-you' && !requests.some((r) => r.lane === l.id));
      requestRetries = unlisted ? requestRetries + 1 : 0;
      if (unlisted && requestRetries < 20) setTimeout(refreshRequests, 150);
    })
    .catch((error) => {
      reportFailure('read the requests')(error);
      if (unreachable(error)) setTimeout(refreshRequests, RETRY_MS);
    })
    .finally(() => {
      requestsInFlight = null;
    });
}

/** Receipts not yet settled, per lane: one queue.list at a time, one more if deliveries changed meanwhile. */
let queuedInFlight = null;
let queuedAgain = false;
function refreshQueued() {
  if (queuedInFlight) {
    queuedAgain = true;
    return;
  }
  queuedInFlight = api('queue.list', { limit: 10000 })
    .then(({ deliveries }) => {
      state.queued = new Map();
      for (const d of deliveries) state.queued.set(d.lane, (state.queued.get(d.lane) ?? 0) + 1);
      renderAllCards();
    })
    .catch((error) => {
      if (unreachable(error)) setTimeout(refreshQueued, RETRY_MS);
    })
    .finally(() => {
      queuedInFlight = null;
      if (queuedAgain) {
        queuedAgain = false;
        refreshQueued();
      }
    });
}

function renderAllCards() {
  for (const lane of state.lanes.values()) renderCard(lane);
  renderTotals();
}

function diffOf(request) {
  if (request.kind !== 'fileChange' || !request.lane) return null;
  const item = state.items.get(state.pendingItemOfLane.get(request.lane));
  const changes = item?.raw?.changes;
  if (!Array.isArray(changes) || changes.length === 0) return null;
  return el('pre', { className: 'diff', textContent: changes.map((c) => `--- ${c.path} (${c.kind?.type ?? 'change'})\n${c.diff}`).join('\n') });
}

function respond(request, input, label) {
  return api('request.respond', { id: request.id, ...input })
    .then(() => announce(`${label}: request ${request.id}`))
    .catch((error) => announce(`Could not answer request ${request.id}: ${error.message}`))
    .finally(refreshRequests);
}

function questionForm(request) {
  const questions = request.prompt?.questions ?? [];
  const form = el('form', {
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const answer = questions.map((q) => `${q.id}=${data.get(`other-${q.id}`) || data.get(`q-${q.id}`) || ''}`);
      void respond(request, { answer }, 'Answered');
    },
  });
  for (const q of questions) {
    const options = q.options.map((o) => el('label', {}, el('input', { type: 'radio', name: `q-${q.id}`, value: o.label, required: !q.other }), ` ${o.label}`, o.description ? el('span', { className: 'meta', textContent: ` — ${o.description}` }) : null));
    const other = q.other || q.options.length === 0 ? el('label', {}, 'Other: ', el('input', { type: q.secret ? 'password' : 'text', name: `other-${q.id}` })) : null;
    form.append(el('fieldset', {}, el('legend', { textContent: q.question }), ...options, other));
  }
  form.append(el('button', { type: 'submit', textContent: 'Answer' }), el('button', { type: 'button', textContent: 'Decline', onclick: () => void respond(request, { decision: 'decline' }, 'Declined') }));
  return form;
}

function renderRequests() {
  const list = $('request-list');
  $('no-requests').hidden = state.requests.length > 0;
  list.replaceChildren(
    ...state.requests.map((request) => {
      const lane = request.lane ? state.lanes.get(request.lane) : undefined;
      const heading = el('h3', { textContent: `${lane ? lane.handle : 'a thread'} asks: ${request.kind === 'userInput' ? 'a question' : request.kind === 'command' ? 'to run a command' : request.kind === 'fileChange' ? 'to change files' : request.kind}` });
      const body =
        request.prompt?.type === 'questions'
          ? questionForm(request)
          : el(
              'div',
              {},
              el('pre', { textContent: request.summary }),
              diffOf(request),
              el('button', { type: 'button', textContent: 'Approve', onclick: () => void respond(request, { decision: 'accept' }, 'Approved') }),
              el('button', { type: 'button', textContent: 'Decline', onclick: () => void respond(request, { decision: 'decline' }, 'Declined') }),
            );
      return el('li', { className: 'request', dataset: { requestId: String(request.id), kind: request.kind } }, el('article', { ariaLabel: `request ${request.id}` }, heading, body));
    }),
  );
}

// ---- the lane view ----------------------------------------------------------------------------

function itemText(item) {
  if (item.type === 'commandExecution') {
    const command = item.command ?? item.text ?? '';
    return `$ ${command}${item.exitCode === undefined || item.exitCode === null ? (item.status === 'inProgress' ? '  (running)' : '') : `\nexit ${item.exitCode}`}`;
  }
  if (item.type === 'fileChange' && item.paths) return item.paths.join('\n');
  return item.text ?? '';
}

function renderItem(item) {
  const transcript = $('transcript');
  let li = transcript.querySelector(`[data-item="${CSS.escape(item.id)}"]`);
  const text = itemText(item);
  if (!li) {
    li = el('li', { dataset: { item: item.id, type: item.type } }, el('span', { className: 'kind', textContent: KINDS[item.type] ?? item.type }), el('span', { className: 'text' }));
    transcript.append(li);
  }
  if (text || !li.lastChild.textContent) li.lastChild.textContent = text;
  transcript.scrollTop = transcript.scrollHeight;
}

function renderLaneSummary() {
  const lane = state.lanes.get(state.selected);
  if (!lane) return;
  const usage = state.tokens.get(lane.id);
  $('lane-heading').textContent = `Lane ${lane.handle}`;
  $('lane-summary').textContent = `${lane.attention} · ${lane.status}${lane.cwd ? ` · ${lane.cwd}` : ''}${usage ? ` · ${usage.total_tokens} tokens${usage.last_tokens === null ? '' : ` (last turn ${usage.last_tokens}${usage.context_window ? ` of a ${usage.context_window} window` : ''})`}` : ''}`;
}

async function refreshQueue() {
  const id = state.selected;
  if (!id) return;
  const { deliveries } = await api('queue.list', { lane: id });
  if (id !== state.selected) return;
  $('queue').replaceChildren(...(deliveries.length ? deliveries.map((d) => el('li', { textContent: `#${d.receipt} ${d.mode} · ${d.state}: ${d.text.slice(0, 200)}` })) : [el('li', { textContent: 'Nothing queued.' })]));
}

async function refreshTriggers() {
  const id = state.selected;
  if (!id) return;
  const { triggers } = await api('trigger.list');
  if (id !== state.selected) return;
  const mine = triggers.filter((t) => t.lane_id === id || t.target_id === id);
  $('triggers').replaceChildren(
    ...(mine.length
      ? mine.map((t) => el('li', { textContent: `${t.name}: when ${t.lane} ${t.when}${t.cron ? ` (${t.cron})` : ''} → ${t.action}${t.target ? ` to ${t.target}` : ''}${t.enabled ? '' : ' (paused)'}${t.last_error ? ` — failing: ${t.last_error}` : ''}` }))
      : [el('li', { textContent: 'No triggers or subscriptions.' })]),
  );
}

async function openLane(id) {
  state.selected = id;
  $('lane').hidden = false;
  $('transcript').replaceChildren();
  renderLaneSummary();
  $('lane-heading').focus();
  const [tail] = await Promise.all([api('lane.tail', { lane: id, limit: 200 }), refreshQueue(), refreshTriggers()]);
  if (id !== state.selected) return;
  for (const item of tail.items) if (!$('transcript').querySelector(`[data-item="${CSS.escape(item.item_id)}"]`)) renderItem({ id: item.item_id, type: item.type, text: item.text, ...(state.items.get(item.item_id) ?? {}) });
}

function closeLane() {
  const id = state.selected;
  state.selected = null;
  $('lane').hidden = true;
  cards.get(id)?.firstChild.focus();
}

$('close-lane').addEventListener('click', closeLane);
$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const lane = state.selected;
  const text = $('send-text').value;
  const mode = new FormData(event.target).get('mode');
  $('send-result').textContent = 'Sending…';
  api('send', { lane, text, mode })
    .then((ack) => {
      $('send-result').textContent = `Receipt ${ack.receipt}: ${ack.state}${ack.pending ? ` (${ack.pending} queued)` : ''}`;
      $('send-text').value = '';
    })
    .catch((error) => {
      $('send-result').textContent = `Not sent (${error.code}): ${error.message}`;
    })
    .finally(() => refreshQueue().catch(reportFailure('read the queue')));
});

// ---- the stream -------------------------------------------------------------------------------

/** The last fact the page has, in the status line too (the cursor the browser resumes after). */
function setSeq(seq) {
  state.lastSeq = seq;
  $('connection').dataset.seq = String(seq);
  $('connection').title = `up to fact ${seq}`;
}

function onFact(entry) {
  const fact = entry.event;
  setSeq(entry.seq);
  if (fact.type === 'itemStarted' || fact.type === 'itemCompleted') {
    state.items.set(fact.item.id, fact.item);
    if (state.items.size > 2000) state.items.delete(state.items.keys().next().value);
    if (fact.laneId === state.selected) renderItem(fact.item);
  }
  if (fact.type === 'approvalRequested' && fact.itemId) state.pendingItemOfLane.set(fact.laneId, fact.itemId);
  if (fact.type === 'tokenUsage') {
    state.tokens.set(fact.laneId, { total_tokens: fact.totalTokens, last_tokens: fact.lastTokens, context_window: fact.contextWindow });
    refreshRateLimits();
    const lane = state.lanes.get(fact.laneId);
    if (lane) setLane(lane);
  }
  if (fact.type === 'laneArchived') dropLane(fact.laneId);
  else if (LANE_FACTS.has(fact.type)) refreshLane(fact.laneId);
  if (fact.type === 'approvalRequested' || fact.type === 'approvalResolved') refreshRequests();
  if (fact.type === 'deliveryChanged') refreshQueued();
  if (fact.laneId === state.selected && fact.type === 'deliveryChanged') refreshQueue().catch(reportFailure('read the queue'));
  if (fact.laneId === state.selected && fact.type === 'triggerFired') refreshTriggers().catch(reportFailure('read the triggers'));
}

function onDelta(entry) {
  const delta = entry.event;
  if (delta.laneId !== state.selected) return;
  const li = $('transcript').querySelector(`[data-item="${CSS.escape(delta.itemId)}"]`);
  if (li) li.lastChild.textContent += delta.delta;
  else renderItem({ id: delta.itemId, type: 'agentMessage', text: delta.delta });
}

// ---- the fleet -------------------------------------------------------------------------------

/** Other stations' changes are no facts of this log: the fleet view is read again this often. */
const FLEET_POLL_MS = 5000;
/** Each snapshot starts one poll chain; an older chain stops when it sees a newer one. */
let fleetPoll = 0;

function renderFleet(fleet) {
  $('fleet').hidden = fleet === null;
  if (fleet === null) return;
  const connection = `${fleet.station_state && fleet.station_state !== 'joined' ? ` · ${fleet.station_state}` : ''}${fleet.connected === false ? ' · not connected (retrying)' : ''}`;
  $('fleet-summary').textContent = fleet.error ? `The fleet database is not reachable: ${fleet.error}` : `This station: ${fleet.station} · ${fleet.url ?? ''}${connection}`;
  const line = (props, name, facts) => el('li', props, el('span', { className: 'handle', textContent: name }), el('span', { className: 'meta', textContent: facts.filter(Boolean).join(' · ') }));
  $('fleet-stations').replaceChildren(
    ...fleet.stations.map((s) => line({ dataset: { station: s.name, state: s.state } }, `${s.name}${s.self ? ' (this station)' : ''}`, [s.state, `${s.lanes} lanes`, `${s.busy} busy`, `${s.needs_you} need you`, `heartbeat ${s.heartbeat_age_seconds}s ago`, `${s.version} ${s.mode}`])),
  );
  $('fleet-lanes').replaceChildren(...fleet.lanes.map((l) => line({ dataset: { laneHandle: l.handle, station: l.station, reachable: String(l.reachable) } }, l.handle, [l.attention, l.status, l.reachable ? null : 'station unreachable'])));
}

function refreshFleet(fleet, poll = ++fleetPoll) {
  if (poll !== fleetPoll) return;
  renderFleet(fleet);
  if (fleet === null) return;
  setTimeout(() => {
    fetch('/api/fleet', { credentials: 'same-origin' })
      .then((response) => response.json())
      .then((body) => refreshFleet(body.error ? fleet : (body.fleet ?? null), poll))
      .catch(() => refreshFleet(fleet, poll));
  }, FLEET_POLL_MS);
}

function onSnapshot(snapshot) {
  setSeq(snapshot.latest_seq);
  state.tokens = new Map(Object.entries(snapshot.tokens));
  for (const id of [...state.lanes.keys()]) if (!snapshot.lanes.some((l) => l.id === id)) dropLane(id);
  for (const lane of snapshot.lanes) setLane(lane);
  state.requests = snapshot.requests;
  renderRequests();
  renderAllCards();
  refreshQueued();
  refreshRateLimits();
  refreshFleet(snapshot.fleet ?? null);
}

let source = null;
function connect() {
  source?.close();
  source = new EventSource('/api/events');
  const status = $('connection');
  source.addEventListener('open', () => {
    status.dataset.state = 'live';
    status.textContent = 'Live';
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself, sending the last fact's id: the stream resumes after it.
    status.dataset.state = 'lost';
    status.textContent = 'Reconnecting…';
  });
  source.addEventListener('snapshot', (event) => onSnapshot(JSON.parse(event.data)));
  source.addEventListener('fact', (event) => onFact(JSON.parse(event.data)));
  source.addEventListener('delta', (event) => onDelta(JSON.parse(event.data)));
  // The log no longer holds what followed our cursor: start over from a snapshot.
  source.addEventListener('reset', connect);
}

connect();
