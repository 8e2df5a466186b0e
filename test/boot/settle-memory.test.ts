/** The boot service collects garbage once after a load has ended, not during it and not after small ones. */
import { describe, expect, test } from 'vitest';
import { memorySettler } from '../../main/core/boot/service/settle-memory.ts';

describe('memorySettler', () => {
  test('one collection once the connections stay at a tenth of their peak for 3 s', () => {
    let collected = 0;
    const s = memorySettler({ threshold: 100, collect: () => collected++ });
    for (const open of [0, 50, 500, 5000, 4000, 3000]) expect(s.observe(open)).toBe(false);
    // Down to a tenth: the first two quiet seconds wait, the third collects.
    expect([s.observe(400), s.observe(10), s.observe(3)]).toEqual([false, false, true]);
    expect(collected).toBe(1);
    // Quiet afterwards: nothing more until another load.
    for (let i = 0; i < 10; i++) s.observe(2);
    expect(collected).toBe(1);
  });

  test('a load that pauses is not settled; a small one never', () => {
    let collected = 0;
    const s = memorySettler({ threshold: 100, collect: () => collected++ });
    for (const open of [5000, 10, 10, 4000, 10, 10, 3000]) s.observe(open);
    expect(collected).toBe(0);
    const small = memorySettler({ threshold: 100, collect: () => collected++ });
    for (const open of [99, 0, 0, 0, 0]) small.observe(open);
    expect(collected).toBe(0);
  });

  test('the real collector is reachable without --expose-gc', () => {
    // vitest's workers run without the flag: the settler takes gc from V8 itself.
    const s = memorySettler({ threshold: 1 });
    expect([s.observe(10), s.observe(0), s.observe(0), s.observe(0)]).toEqual([false, false, false, true]);
  });
});
