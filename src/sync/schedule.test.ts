import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, lockHolder } from './lock.js';
import { frequencyMs, isDue, msUntilDue } from './schedule.js';

describe('schedule', () => {
  it('is due when never synced or after its interval', () => {
    expect(isDue(null, 'daily', 0)).toBe(true);
    expect(isDue(0, 'hourly', frequencyMs('hourly') - 1)).toBe(false);
    expect(isDue(0, 'hourly', frequencyMs('hourly'))).toBe(true);
    expect(msUntilDue(0, '6h', 3_600_000)).toBe(5 * 3_600_000);
  });
});

describe('lock', () => {
  it('lets one holder in, and takes over a dead owner\'s lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-lock-'));
    const release = await acquireLock(dir, 'conn-1');
    expect(release).not.toBeNull();
    expect(await acquireLock(dir, 'conn-1')).toBeNull();
    await release?.();
    expect(await acquireLock(dir, 'conn-1')).not.toBeNull();
    await writeFile(join(dir, 'conn-2.lock'), '999999999');
    expect(await acquireLock(dir, 'conn-2')).not.toBeNull();
    await rm(dir, { recursive: true, force: true });
  });

  it('names its live holder, and no one for a missing or dead owner\'s lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-lock-'));
    expect(await lockHolder(dir, 'conn-1')).toBeNull();
    const release = await acquireLock(dir, 'conn-1');
    expect(await lockHolder(dir, 'conn-1')).toBe(process.pid);
    await release?.();
    expect(await lockHolder(dir, 'conn-1')).toBeNull();
    await writeFile(join(dir, 'conn-2.lock'), '999999999');
    expect(await lockHolder(dir, 'conn-2')).toBeNull();
    await rm(dir, { recursive: true, force: true });
  });
});
