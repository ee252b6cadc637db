import { describe, expect, it } from 'vitest';
import { idleSinceNow } from '../../src/runtime/reconcile.ts';

describe('idle since', () => {
  const earlier = '2026-01-01T10:00:00.000Z';
  const now = '2026-01-01T10:30:00.000Z';

  it('starts counting when a running VM goes idle and keeps the start while it stays idle', () => {
    expect(idleSinceNow(null, 'Running', 0, now)).toBe(now);
    expect(idleSinceNow(earlier, 'Running', 4.9, now)).toBe(earlier);
  });

  it('resets when the GPUs are busy, the VM is not running, or the provider says nothing', () => {
    expect(idleSinceNow(earlier, 'Running', 5, now)).toBeNull();
    expect(idleSinceNow(earlier, 'Stopped', 0, now)).toBeNull();
    expect(idleSinceNow(earlier, 'Running', null, now)).toBeNull();
    expect(idleSinceNow(earlier, 'Running', undefined, now)).toBeNull();
  });
});
