/** Plain JSON data (what the API answers) as JSON or YAML text, for `--output json|yaml`. */
export function formatData(data: unknown, format: 'json' | 'yaml'): string {
  if (format === 'json') return JSON.stringify(data, null, 2);
  return toYaml(data);
}

/**
 * A YAML 1.2 emitter for JSON values: block mappings and sequences, strings quoted whenever a plain
 * scalar could read as something else (a number, a boolean, null, a comment, a key).
 */
export function toYaml(value: unknown): string {
  return emit(value, 0).replace(/^[\n ]/, '');
}

function emit(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value
      .map((item) => {
        const inner = emit(item, indent + 2);
        // A nested block starts on the dash's line: "- key: value".
        return isBlock(item) ? `\n${pad}- ${inner.slice(indent + 3)}` : `\n${pad}-${inner}`;
      })
      .join('');
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return ' {}';
    return entries.map(([key, v]) => `\n${pad}${scalar(key)}:${emit(v, indent + 2)}`).join('');
  }
  return ` ${scalar(value)}`;
}

function isBlock(value: unknown): boolean {
  return (Array.isArray(value) && value.length > 0) || (isPlainObject(value) && Object.keys(value).length > 0);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PLAIN = /^[A-Za-z_/.][\w ./@:+-]*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  const text = String(value);
  if (PLAIN.test(text) && !RESERVED.test(text) && !/:\s|\s$|:$| #/.test(text)) return text;
  return JSON.stringify(text);
}
