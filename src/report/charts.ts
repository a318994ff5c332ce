/**
 * Per-project history charts for the job summary (pure): Mermaid `xychart-beta` blocks of the
 * stored size and the duration of the last sets, which GitHub renders in markdown.
 */
export interface HistoryPoint {
  set_id: string;
  /** Stored bytes of the set (all parts). */
  bytes: number;
  duration_ms: number;
}

/** How many sets a chart shows at most (the newest). */
export const CHART_SETS = 30;

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

function sizeUnit(max: number): { unit: string; div: number } {
  let i = 0;
  while (max >= 1024 ** (i + 1) && i < SIZE_UNITS.length - 1) i++;
  return { unit: SIZE_UNITS[i]!, div: 1024 ** i };
}

const round = (v: number) => Number(v.toPrecision(3));
/** "2026-11-22T031500Z" -> "11-22 03:15", with ":00" seconds when minutes repeat. */
function labels(setIds: string[]): string[] {
  const at = (id: string, seconds: boolean) =>
    `${id.slice(5, 10)} ${id.slice(11, 13)}:${id.slice(13, 15)}${seconds ? `:${id.slice(15, 17)}` : ''}`;
  const short = setIds.map((id) => at(id, false));
  return new Set(short).size === short.length ? short : setIds.map((id) => at(id, true));
}
const quote = (s: string) => `"${s.replace(/"/g, "'")}"`;

function chart(
  title: string,
  axis: string,
  labels: string[],
  kind: 'bar' | 'line',
  values: number[],
): string {
  const top = Math.max(...values, 0);
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${quote(title)}`,
    `  x-axis [${labels.map(quote).join(', ')}]`,
    `  y-axis ${quote(axis)} 0 --> ${round(top > 0 ? top * 1.1 : 1)}`,
    `  ${kind} [${values.join(', ')}]`,
    '```',
  ].join('\n');
}

/** Two charts (stored size as bars, duration as a line) of the newest CHART_SETS points. */
export function historyCharts(project: string, history: readonly HistoryPoint[]): string {
  const points = [...history].sort((a, b) => a.set_id.localeCompare(b.set_id)).slice(-CHART_SETS);
  if (points.length === 0) return '';
  const x = labels(points.map((p) => p.set_id));
  const size = sizeUnit(Math.max(...points.map((p) => p.bytes)));
  const minutes = Math.max(...points.map((p) => p.duration_ms)) >= 600_000;
  const div = minutes ? 60_000 : 1000;
  return [
    chart(
      `${project}: stored size, last ${points.length} set(s)`,
      size.unit,
      x,
      'bar',
      points.map((p) => round(p.bytes / size.div)),
    ),
    chart(
      `${project}: duration`,
      minutes ? 'min' : 's',
      x,
      'line',
      points.map((p) => round(p.duration_ms / div)),
    ),
  ].join('\n\n');
}
