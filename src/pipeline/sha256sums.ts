/** SHA256SUMS in the format `sha256sum -c` reads: "<hex>  <name>" per line. */
export interface SumLine {
  sha256: string;
  file: string;
}

export function formatSums(lines: SumLine[]): string {
  return lines.map((l) => `${l.sha256}  ${l.file}\n`).join('');
}

export function parseSums(text: string): SumLine[] {
  const out: SumLine[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`SHA256SUMS line ${i + 1} is not "<sha256>  <file>"`);
    out.push({ sha256: m[1]!, file: m[2]! });
  }
  return out;
}
