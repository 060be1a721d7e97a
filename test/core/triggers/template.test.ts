import { describe, expect, it } from 'vitest';
import { renderTriggerText, TEMPLATE_VARIABLES, triggerTemplateVars, unknownTemplateVariables } from '../../../src/core/triggers/plan.js';
import type { TemplateVars } from '../../../src/core/triggers/plan.js';
import { at, makeLane, makeTrigger } from './fixtures.js';

const vars: TemplateVars = {
  lane: 'lane-a',
  handle: '@a',
  last_message: 'tests pass',
  event: 'turn_completed',
  trigger: 'relay',
  time: '2026-06-01T12:00:00.000Z',
};

describe('renderTriggerText', () => {
  it('substitutes every template variable', () => {
    expect(TEMPLATE_VARIABLES).toEqual(['lane', 'handle', 'last_message', 'event', 'trigger', 'time']);
    expect(renderTriggerText('{{lane}} {{handle}} {{last_message}} {{event}} {{trigger}} {{time}}', vars)).toBe(
      'lane-a @a tests pass turn_completed relay 2026-06-01T12:00:00.000Z',
    );
  });

  it('allows whitespace inside the braces', () => {
    expect(renderTriggerText('{{ last_message }} / {{handle  }} / {{\tevent}}', vars)).toBe('tests pass / @a / turn_completed');
  });

  it('leaves unknown variables and non-placeholders as typed', () => {
    expect(renderTriggerText('{{nope}} {{ Lane }} {{}} {{last-message}} {single} {{constructor}}', vars)).toBe(
      '{{nope}} {{ Lane }} {{}} {{last-message}} {single} {{constructor}}',
    );
  });

  it('does not expand placeholders inside substituted values', () => {
    expect(renderTriggerText('said: {{last_message}}', { ...vars, last_message: 'use {{handle}} and $& and $1' })).toBe('said: use {{handle}} and $& and $1');
  });

  it('reports unknown variables once each', () => {
    expect(unknownTemplateVariables('{{ lane }} {{x}} {{y}} {{x}}')).toEqual(['x', 'y']);
    expect(unknownTemplateVariables('plain text')).toEqual([]);
  });
});

describe('triggerTemplateVars', () => {
  it('fills values from the watched lane, preferring the event message', () => {
    const trigger = makeTrigger({ name: 'relay' });
    const lane = makeLane({ lastAgentMessage: 'older' });
    const now = at('2026-06-01T12:00:00.000Z');
    expect(triggerTemplateVars({ trigger, lane, event: 'turn_completed', now })).toEqual({ ...vars, last_message: 'older' });
    expect(triggerTemplateVars({ trigger, lane, event: 'turn_completed', now, lastMessage: 'tests pass' })).toEqual(vars);
    expect(triggerTemplateVars({ trigger, lane: undefined, event: 'interval', now })).toMatchObject({ lane: '@a', handle: '@a', last_message: '', event: 'interval' });
  });
});
