/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): what a scraper would accept, and a
 * little more strictly. It throws on anything malformed: a sample before its TYPE, a metric name or label that is
 * not valid, a duplicate series, an unparseable value, histogram buckets that are not cumulative or whose
 * `+Inf` bucket differs from `_count`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}: ${line.slice(0, 120)}`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) continue; // a plain comment
      const [, kind, name, rest] = meta as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name (${where})`);
      const family = families.get(name) ?? { name, help: '', type: 'untyped' as MetricType, samples: [] };
      if (family.samples.length > 0) throw new Error(`${kind} after samples of ${name} (${where})`);
      if (kind === 'HELP') family.help = unescapeHelp(rest);
      else {
        if (!TYPES.has(rest)) throw new Error(`unknown type ${rest} (${where})`);
        family.type = rest as MetricType;
      }
      families.set(name, family);
      continue;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample without a TYPE line (${where})`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series (${where})`);
    seen.add(key);
    family.samples.push(sample);
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  const base = /^(.*)_(bucket|sum|count)$/.exec(sampleName)?.[1];
  const family = base ? families.get(base) : undefined;
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!nameMatch) throw new Error(`bad sample (${where})`);
  const name = nameMatch[1] as string;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
      if (!labelMatch) throw new Error(`bad label at ${i} (${where})`);
      const labelName = labelMatch[1] as string;
      if (!LABEL_NAME.test(labelName) || labelName in labels) throw new Error(`bad or repeated label ${labelName} (${where})`);
      i += labelMatch[0].length;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value (${where})`);
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape in label value (${where})`);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      labels[labelName] = value;
      i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } at ${i} (${where})`);
    }
    i++;
  }
  const rest = line.slice(i);
  const valueMatch = /^ (\S+)( -?\d+)?$/.exec(rest);
  if (!valueMatch) throw new Error(`bad value part "${rest}" (${where})`);
  return { name, labels, value: parseValue(valueMatch[1] as string, where) };
}

/** A Go float (what Prometheus parses values with): special values are case-insensitive (prom-client writes `Nan`). */
function parseValue(text: string, where: string): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  if (special === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text} (${where})`);
  return Number(text);
}

/** HELP text escapes only `\\` and `\n` (label values also escape `"`). */
function unescapeHelp(text: string): string {
  return text.replace(/\\(.)/g, (all, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : all));
}

/** Per label set (without `le`): buckets ascending in `le`, counts never decreasing, `+Inf` present and equal to `_count`. */
function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      group.buckets.push({ le: parseValue(le, family.name), value: s.value });
    } else if (s.name === `${family.name}_count`) group.count = s.value;
    else if (s.name === `${family.name}_sum`) group.sum = s.value;
    else throw new Error(`${family.name}: unexpected sample ${s.name}`);
  }
  for (const [key, group] of groups) {
    const where = `${family.name}${key}`;
    if (group.count === undefined || group.sum === undefined) throw new Error(`${where}: missing _count or _sum`);
    for (let i = 1; i < group.buckets.length; i++) {
      const previous = group.buckets[i - 1] as { le: number; value: number };
      const current = group.buckets[i] as { le: number; value: number };
      if (!(current.le > previous.le)) throw new Error(`${where}: buckets not in ascending le order`);
      if (current.value < previous.value) throw new Error(`${where}: buckets not cumulative`);
    }
    const last = group.buckets.at(-1);
    if (!last || last.le !== Number.POSITIVE_INFINITY) throw new Error(`${where}: no +Inf bucket`);
    if (last.value !== group.count) throw new Error(`${where}: +Inf bucket ${last.value} differs from _count ${group.count}`);
  }
}

/** The sum over the series of `name` whose labels include `labels` (undefined when there is none). */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = familyOf(families, name);
  const matches = (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length === 0) return undefined;
  return matches.reduce((sum, s) => sum + s.value, 0);
}
