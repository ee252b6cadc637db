import { visibleLength } from './colors.ts';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

/** Plain aligned columns, each as wide as its widest cell; the last column is not padded. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => visibleLength(line[i] ?? ''))));
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) => {
        const last = i === line.length - 1;
        const gap = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell)));
        if (columns[i]?.align === 'right') return gap + cell;
        return last ? cell : cell + gap;
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n');
}

/** `label: value` lines with the labels aligned, for one object. */
export function renderFields(fields: readonly [label: string, value: string][]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${value}`.trimEnd()).join('\n');
}
