/** What the Actions runner would obey in a printed line is made inert (issue #13). */
import { describe, expect, it } from 'vitest';
import { inertCommands, streamLogger } from '../src/log.js';

/** The lines the runner reads as commands: trimmed start `::`, or `##[` anywhere (old form). */
const commandLines = (text: string) =>
  text.split(/\r?\n/).filter((l) => l.trimStart().startsWith('::') || l.includes('##['));

describe('inertCommands', () => {
  it('leaves no line the runner would run', () => {
    const forged = [
      'restore x\n::notice::forged',
      'a\r\n  ::add-mask::x',
      '\t::set-output name=a::b',
      '::error file=a::b\n::warning::c',
      'x ##[error]y',
      '\u00a0::group::z',
    ];
    for (const text of forged) {
      expect(commandLines(text).length).toBeGreaterThan(0);
      expect(commandLines(inertCommands(text))).toEqual([]);
    }
  });

  it('changes nothing else', () => {
    const plain = 'restore fixture/2026-11-22T031500Z\n  from   a:b::c\n  select 1::int';
    expect(inertCommands(plain)).toBe(plain);
    expect(inertCommands('x\n::notice::y')).toBe('x\n> ::notice::y');
  });

  it('is applied to every line a stream logger writes', () => {
    let out = '';
    const logger = streamLogger((l) => (out += l));
    logger.info('project x\n::notice::forged');
    logger.error('e\n::error::forged');
    expect(commandLines(out)).toEqual([]);
    expect(out).toContain('> ::notice::forged');
  });
});
