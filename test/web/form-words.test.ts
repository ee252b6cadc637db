import { describe, expect, it } from 'vitest';
import { inFormWords } from '../../src/web/components/notice.ts';

describe('refusals in the form’s own words', () => {
  const labels = { idleMinutes: 'Stop when idle (minutes)', ports: 'Ports to expose', name: 'Name' };

  it('names the field as the form labels it, in schema messages and in service messages', () => {
    expect(inFormWords('body.idleMinutes must be >= 5', labels)).toBe('“Stop when idle (minutes)” must be >= 5');
    expect(inFormWords('ports: port 8888 is listed twice', labels)).toBe('“Ports to expose”: port 8888 is listed twice');
  });

  it('leaves prose and fields it has no label for alone', () => {
    const message = 'A GPU VM named "x" already exists; choose another name';
    expect(inFormWords(message, labels)).toBe(message);
    expect(inFormWords('body.spot must be of type boolean', labels)).toBe('body.spot must be of type boolean');
  });
});
