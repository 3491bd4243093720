/**
 * The admin API's fields that are not text, read as DRF's serializer fields
 * read them: `BooleanField` and a `ListField` of strings, with DRF's messages.
 */
import { fieldMessages } from '@tessera/protocol';
import { textProblem } from './body.js';

type Read<T> = { ok: true; value: T | undefined } | { ok: false; messages: string[] };

// DRF's BooleanField.TRUE_VALUES and FALSE_VALUES.
const TRUE_VALUES = new Set<unknown>([
  't',
  'T',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  '1',
  1,
  true,
]);
const FALSE_VALUES = new Set<unknown>([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
  0,
  false,
]);

/** An optional boolean field: absent is undefined. */
export function booleanField(body: Record<string, unknown>, name: string): Read<boolean> {
  if (!Object.hasOwn(body, name)) return { ok: true, value: undefined };
  const value = body[name];
  if (value === null) return { ok: false, messages: [fieldMessages.null] };
  if (TRUE_VALUES.has(value)) return { ok: true, value: true };
  if (FALSE_VALUES.has(value)) return { ok: true, value: false };
  return { ok: false, messages: ['Must be a valid boolean.'] };
}

/**
 * An optional list of distinct strings, each matching `pattern`: absent is
 * undefined; duplicates are dropped, the order kept. Per-item problems are
 * reported once each, as `Item N: …`.
 */
export function stringListField(
  body: Record<string, unknown>,
  name: string,
  item: { pattern: RegExp; invalid: string; maxLength: number; maxItems: number },
): Read<string[]> {
  if (!Object.hasOwn(body, name)) return { ok: true, value: undefined };
  const value = body[name];
  if (value === null) return { ok: false, messages: [fieldMessages.null] };
  if (!Array.isArray(value))
    return { ok: false, messages: [`Expected a list of items but got type "${typeName(value)}".`] };
  if (value.length > item.maxItems) {
    return { ok: false, messages: [`Ensure this field has no more than ${item.maxItems} elements.`] };
  }
  const messages: string[] = [];
  const values: string[] = [];
  value.forEach((entry: unknown, index) => {
    const problem = itemProblem(entry, item);
    if (problem !== undefined) messages.push(`Item ${index}: ${problem}`);
    else if (!values.includes((entry as string).trim())) values.push((entry as string).trim());
  });
  return messages.length > 0 ? { ok: false, messages } : { ok: true, value: values };
}

function itemProblem(
  entry: unknown,
  item: { pattern: RegExp; invalid: string; maxLength: number },
): string | undefined {
  if (typeof entry !== 'string') return fieldMessages.notString;
  const text = entry.trim();
  if (text === '') return fieldMessages.blank;
  const problem = textProblem(text);
  if (problem !== undefined) return problem;
  if ([...text].length > item.maxLength) return `Ensure this field has no more than ${item.maxLength} characters.`;
  return item.pattern.test(text) ? undefined : item.invalid;
}

function typeName(value: unknown): string {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}
