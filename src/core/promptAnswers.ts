import { DispatchError } from '../shared/errors.js';
import type { FormField, PromptReply, RequestPrompt, UserQuestion } from './model.js';

/** Shown instead of a secret answer wherever answers are kept. */
export const REDACTED = '[secret]';

/** One line for lists and the audit log: the questions with their options, or the form's message. */
export function promptSummary(prompt: RequestPrompt): string {
  switch (prompt.type) {
    case 'questions':
      return prompt.questions.map((q) => (q.options.length > 0 ? `${q.question} [${q.options.map((o) => o.label).join(' | ')}]` : q.question)).join(' / ');
    case 'form':
      return `${prompt.server}: ${prompt.message}${prompt.fields.length > 0 ? ` [${prompt.fields.map((f) => f.name).join(', ')}]` : ''}`;
    case 'url':
      return `${prompt.server}: ${prompt.message} (${prompt.url})`;
  }
}

/**
 * Turns a person's `--answer` strings into the reply a prompt takes. An answer is `KEY=VALUE`
 * (KEY a question id or form field), or just `VALUE` when the prompt has a single question or field;
 * a key given twice gives several values (multi-selects).
 */
export function replyFromAnswers(prompt: RequestPrompt, decision: 'accept' | 'decline' | 'cancel', answers: readonly string[]): PromptReply {
  if (decision !== 'accept') {
    if (answers.length > 0) throw new DispatchError('validation', `an answer goes with accept, not ${decision}`, { data: { fields: ['answer'] } });
    if (decision === 'cancel' && prompt.type === 'questions') {
      throw new DispatchError('validation', 'a question cannot be cancelled: decline it (the agent goes on without an answer) or stop the lane');
    }
    return { decision };
  }
  switch (prompt.type) {
    case 'url':
      if (answers.length > 0) throw new DispatchError('validation', 'a URL request takes no answer: open the URL, then accept, decline or cancel', { data: { fields: ['answer'] } });
      return { decision };
    case 'questions': {
      const given = groupByKey(answers, prompt.questions.map((q) => q.id));
      const result: Record<string, string[]> = {};
      for (const question of prompt.questions) {
        const values = given.get(question.id);
        if (!values) throw new DispatchError('validation', `no answer for question ${question.id} ("${question.question}"); answer ${question.id}=VALUE`, { data: { fields: ['answer'] } });
        result[question.id] = values.map((v) => chosenOption(question, v));
      }
      return { decision, answers: result };
    }
    case 'form': {
      const given = groupByKey(answers, prompt.fields.map((f) => f.name));
      const content: Record<string, unknown> = {};
      for (const field of prompt.fields) {
        const values = given.get(field.name);
        if (!values) {
          if (field.required) throw new DispatchError('validation', `field ${field.name} is required; answer ${field.name}=VALUE`, { data: { fields: ['answer'] } });
          continue;
        }
        content[field.name] = fieldValue(field, values);
      }
      return { decision, content };
    }
  }
}

/** What is kept of a reply on the registry row: the answers, with secret ones replaced. */
export function keptAnswer(prompt: RequestPrompt, reply: PromptReply): Record<string, unknown> | undefined {
  if (reply.decision !== 'accept') return undefined;
  if (prompt.type === 'questions' && reply.answers) {
    const secret = new Set(prompt.questions.filter((q) => q.secret).map((q) => q.id));
    return Object.fromEntries(Object.entries(reply.answers).map(([id, values]) => [id, secret.has(id) ? [REDACTED] : values]));
  }
  return reply.content;
}

function groupByKey(answers: readonly string[], keys: readonly string[]): Map<string, string[]> {
  const known = new Set(keys);
  const grouped = new Map<string, string[]>();
  for (const answer of answers) {
    const eq = answer.indexOf('=');
    const key = eq > 0 ? answer.slice(0, eq) : undefined;
    let target: string;
    let value: string;
    if (key !== undefined && known.has(key)) {
      target = key;
      value = answer.slice(eq + 1);
    } else if (keys.length === 1 && keys[0] !== undefined) {
      target = keys[0];
      value = answer;
    } else {
      throw new DispatchError('validation', `answer "${answer}" names no question; answer KEY=VALUE with KEY one of ${keys.join(', ')}`, { data: { fields: ['answer'] } });
    }
    grouped.set(target, [...(grouped.get(target) ?? []), value]);
  }
  return grouped;
}

/** An option is matched by its label, case-insensitively; free text only where the question allows it. */
function chosenOption(question: UserQuestion, value: string): string {
  if (question.options.length === 0) return value;
  const option = question.options.find((o) => o.label.toLowerCase() === value.trim().toLowerCase());
  if (option) return option.label;
  if (question.other) return value;
  const shown = question.secret ? 'the answer' : `"${value}"`;
  throw new DispatchError('validation', `${shown} is not an option of question ${question.id}: ${question.options.map((o) => o.label).join(', ')}`);
}

function fieldValue(field: FormField, values: readonly string[]): unknown {
  const check = (value: string): string => {
    if (field.choices && !field.choices.includes(value)) throw new DispatchError('validation', `"${value}" is not allowed for ${field.name}: ${field.choices.join(', ')}`);
    return value;
  };
  if (field.type === 'array') return values.map(check);
  if (values.length > 1) throw new DispatchError('validation', `field ${field.name} takes one value`);
  const value = values[0] ?? '';
  switch (field.type) {
    case 'number':
    case 'integer': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n))) {
        throw new DispatchError('validation', `field ${field.name} needs ${field.type === 'integer' ? 'an integer' : 'a number'}, not "${value}"`);
      }
      return n;
    }
    case 'boolean': {
      const v = value.trim().toLowerCase();
      if (v === 'true' || v === 'yes') return true;
      if (v === 'false' || v === 'no') return false;
      throw new DispatchError('validation', `field ${field.name} needs true or false, not "${value}"`);
    }
    case 'string':
      return check(value);
  }
}
