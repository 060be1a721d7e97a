/**
 * The fault run's verdict: each message the workload sent, its receipt, and the thread's own
 * history (`lane tail`), compared. Pure, so it is unit-tested on hand-made histories.
 */
export interface SentMessage {
  key: string;
  /** The lane's handle. */
  lane: string;
  text: string;
  /** The agent's reply the script asks for: its presence in the turn means the turn completed. */
  reply: string;
  receipt: number | null;
}

export interface Receipt {
  receipt: number;
  lane: string;
  state: string;
  text: string;
  idempotency_key: string | null;
  turn_id: string | null;
  error: string | null;
  note: string | null;
}

export interface HistoryItem {
  turn_id: string;
  type: string;
  text: string | null;
}

export interface Finding {
  key: string;
  receipt: number | null;
  state: string | null;
  detail: string;
}

export interface Verdict {
  byState: Record<string, number>;
  /** Sent, but no receipt, or one still moving or left queued / ambiguous without a reason. */
  lost: Finding[];
  /** In the history more than once without an ambiguous receipt. */
  duplicated: Finding[];
  /** The receipt's state contradicts the history (a `failed` receipt of a turn that completed: defect 2). */
  mislabelled: Finding[];
  /** `failed` receipts of turns that reached codex and died (defect 2 asks for `interrupted`): counted, not judged. */
  failedAfterReaching: Finding[];
  orderViolations: string[];
}

const FINAL = new Set(['completed', 'failed', 'interrupted', 'cancelled']);

/** Where a message appears in its lane's history: the turns holding it, and whether each has the reply. */
function evidenceOf(items: HistoryItem[], message: SentMessage): Array<{ turnId: string; replied: boolean }> {
  const turns = [...new Set(items.filter((i) => i.type === 'userMessage' && i.text === message.text).map((i) => i.turn_id))];
  const occurrences = items.filter((i) => i.type === 'userMessage' && i.text === message.text).length;
  const found = turns.map((turnId) => ({ turnId, replied: items.some((i) => i.turn_id === turnId && i.type === 'agentMessage' && i.text === message.reply) }));
  // One turn holding the text twice still counts twice.
  while (found.length < occurrences) found.push({ turnId: found[0]?.turnId ?? '', replied: false });
  return found;
}

export function judgeRun(sent: SentMessage[], receipts: Receipt[], history: Map<string, HistoryItem[]>, laneIds: Map<string, string>): Verdict {
  const byState: Record<string, number> = {};
  for (const r of receipts) byState[r.state] = (byState[r.state] ?? 0) + 1;
  const byKey = new Map(receipts.flatMap((r) => (r.idempotency_key === null ? [] : [[r.idempotency_key, r] as const])));
  const verdict: Verdict = { byState, lost: [], duplicated: [], mislabelled: [], failedAfterReaching: [], orderViolations: [] };
  const heldLanes = new Set(receipts.filter((r) => r.state === 'ambiguous').map((r) => r.lane));

  for (const message of sent) {
    const receipt = byKey.get(message.key);
    const items = history.get(message.lane) ?? [];
    const seen = evidenceOf(items, message);
    const finding = (detail: string): Finding => ({ key: message.key, receipt: receipt?.receipt ?? null, state: receipt?.state ?? null, detail });
    if (!receipt) {
      verdict.lost.push(finding(seen.length > 0 ? 'no receipt, yet in the history' : 'no receipt'));
      continue;
    }
    if (receipt.lane !== laneIds.get(message.lane)) verdict.mislabelled.push(finding(`receipt of lane ${receipt.lane}`));
    const reason = receipt.note ?? receipt.error;
    if (receipt.state === 'ambiguous' && !reason) verdict.lost.push(finding('ambiguous without a reason'));
    if (receipt.state === 'queued' && !heldLanes.has(receipt.lane)) verdict.lost.push(finding('still queued, nothing holds its lane'));
    if (!FINAL.has(receipt.state) && receipt.state !== 'ambiguous' && receipt.state !== 'queued') verdict.lost.push(finding(`left ${receipt.state}`));
    if (seen.length > 1 && receipt.state !== 'ambiguous') verdict.duplicated.push(finding(`in the history ${seen.length} times`));

    const replied = seen.some((s) => s.replied);
    switch (receipt.state) {
      case 'completed':
        if (!replied) verdict.mislabelled.push(finding(seen.length > 0 ? 'completed, but its turn has no reply' : 'completed, but not in the history'));
        else if (receipt.turn_id !== null && !seen.some((s) => s.replied && s.turnId === receipt.turn_id)) verdict.mislabelled.push(finding(`completed as turn ${receipt.turn_id}, replied in another`));
        break;
      case 'failed':
        if (replied) verdict.mislabelled.push(finding(`failed (${receipt.error ?? 'no error'}), but its history holds the agent's complete reply`));
        else if (seen.length > 0) verdict.failedAfterReaching.push(finding(`failed (${receipt.error ?? 'no error'}); the message is in the history, the turn died`));
        break;
      case 'interrupted':
        // codex accepted it and died before saving the turn: nothing of it is in the thread, and dispatch says so.
        if (seen.length === 0 && !(reason ?? '').includes('before saving')) verdict.mislabelled.push(finding('interrupted, but not in the history'));
        else if (replied) verdict.mislabelled.push(finding('interrupted, but its turn completed with the reply'));
        break;
      case 'queued':
      case 'cancelled':
        if (seen.length > 0) verdict.mislabelled.push(finding(`${receipt.state}, but in the history`));
        break;
    }
  }

  // Order per lane: the messages the history holds appear in the order they were sent.
  for (const [lane, items] of history) {
    const order = new Map(sent.filter((m) => m.lane === lane).map((m, i) => [m.text, i] as const));
    let last = -1;
    let lastText = '';
    for (const item of items) {
      if (item.type !== 'userMessage' || item.text === null) continue;
      const index = order.get(item.text);
      if (index === undefined) continue;
      if (index < last) verdict.orderViolations.push(`${lane}: ${JSON.stringify(item.text.split('\n').at(-1))} after ${JSON.stringify(lastText.split('\n').at(-1))}`);
      else if (index > last) {
        last = index;
        lastText = item.text;
      }
    }
  }
  return verdict;
}
