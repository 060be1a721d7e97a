import { describe, expect, it } from 'vitest';
import { laneItemOf, lastAgentMessageOf, projectNotification, withheldOf } from '../../src/codex/events.js';
import { triggerTemplateVars } from '../../src/core/triggers/plan.js';
import type { ServerNotification, ThreadItem } from '../../src/protocol/index.js';
import { makeLane, makeTrigger } from '../core/triggers/fixtures.js';

// The simulator cannot make codex moderate, so these agent messages are typed against the
// generated protocol (`satisfies`): AgentMessageModeration / AgentMessageDisplay of codex 0.171.

const SECRET = 'step-by-step exploit for the login service';

function agentMessage(moderation: Extract<ThreadItem, { type: 'agentMessage' }>['moderation'], text = SECRET) {
  return { type: 'agentMessage', moderation, id: 'msg_1', text, phase: null, memoryCitation: null, delivery: null, questions: null } satisfies ThreadItem;
}

const shown = agentMessage({ moderated: true, display: { mode: 'show', version: 1, trustedContacts: 'skip' } }, 'All 12 tests pass.');
const unmoderated = agentMessage(null, 'All 12 tests pass.');
const hidden = agentMessage({ moderated: true, display: { mode: 'hide', version: 1, replacement: { kind: 'wellbeingPromptHelpline' } } });
const blockedCyber = agentMessage({ moderated: true, display: { mode: 'block', version: 1, reason: { kind: 'cyber', trustedAccess: false } } });
const blockedProtection = agentMessage({ moderated: true, display: { mode: 'block', version: 1, reason: { kind: 'protection', protectionType: 'selfHarm' } } });

function completedTurn(items: ThreadItem[]) {
  return {
    method: 'turn/completed',
    params: {
      threadId: 'th',
      turn: { id: 'tu', rootTurnId: 'tu', items, itemsView: 'summary', status: 'completed', error: null, startedAt: 1, completedAt: 2, durationMs: 5 },
    },
  } satisfies ServerNotification;
}

describe('agent message moderation', () => {
  it('keeps text codex shows (display show, or no moderation)', () => {
    expect(withheldOf(shown)).toBeUndefined();
    expect(withheldOf(unmoderated)).toBeUndefined();
    expect(laneItemOf(shown)).toMatchObject({ type: 'agentMessage', text: 'All 12 tests pass.' });
    expect(laneItemOf(shown)).not.toHaveProperty('withheld');
    expect(lastAgentMessageOf([unmoderated])).toBe('All 12 tests pass.');
  });

  it('never passes on a hidden or blocked message; a marked placeholder says why', () => {
    expect(laneItemOf(hidden)).toMatchObject({ withheld: { mode: 'hide', reason: 'wellbeingPromptHelpline' } });
    expect(laneItemOf(blockedCyber)).toMatchObject({ withheld: { mode: 'block', reason: 'cyber' } });
    expect(laneItemOf(blockedProtection)).toMatchObject({ withheld: { mode: 'block', reason: 'protection (selfHarm)' } });
    for (const item of [hidden, blockedCyber, blockedProtection]) {
      const projected = laneItemOf(item);
      expect(projected.text).not.toContain(SECRET);
      expect(projected.text).toMatch(/^\[dispatch: agent message withheld — codex moderation (hid|blocked) it \((hide|block): .+\)\]$/);
    }
    expect(laneItemOf(hidden).text).toContain('hid it (hide: wellbeingPromptHelpline)');
    expect(laneItemOf(blockedCyber).text).toContain('blocked it (block: cyber)');
  });

  it('relays the placeholder as the turn\'s last message and through {{last_message}}', () => {
    const [event] = projectNotification(completedTurn([shown, blockedCyber]));
    expect(event?.type).toBe('turnCompleted');
    const lastMessage = event?.type === 'turnCompleted' ? event.lastAgentMessage : undefined;
    expect(lastMessage).toContain('[dispatch: agent message withheld');
    expect(lastMessage).not.toContain(SECRET);
    const vars = triggerTemplateVars({ trigger: makeTrigger(), lane: makeLane(), event: 'lane_done', now: new Date(0), ...(lastMessage === undefined ? {} : { lastMessage }) });
    expect(vars.last_message).toContain('blocked it (block: cyber)');

    const [itemEvent] = projectNotification({
      method: 'item/completed',
      params: { item: hidden, threadId: 'th', turnId: 'tu', contentTokenCount: null, completedAtMs: 2 },
    } satisfies ServerNotification);
    expect(itemEvent).toMatchObject({ type: 'itemCompleted', item: { withheld: { mode: 'hide' } } });
    expect(itemEvent?.type === 'itemCompleted' ? itemEvent.item.text : undefined).not.toContain(SECRET);
  });

  it('withholds a display mode this version does not know', () => {
    const future = { ...hidden, moderation: { moderated: true, display: { mode: 'redact', version: 2 } } } as unknown as ThreadItem;
    expect(laneItemOf(future)).toMatchObject({ withheld: { mode: 'block', reason: "unknown moderation display 'redact'" } });
    expect(laneItemOf(future).text).not.toContain(SECRET);
  });
});
