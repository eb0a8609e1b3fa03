import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerState } from './state.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-state-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const token = (id: string) => ({ id, name: id, sha256: id, createdAt: 0, lastUsedAt: null });

// Finding 8 of the hardening review: concurrent saves raced, and an older copy could land last.
describe('ServerState', () => {
  it('applies 200 concurrent changes in order, each on top of the last, and a reopened file has them all', async () => {
    const path = join(dir, 'web.json');
    const state = await ServerState.open(path);
    const adds = Array.from({ length: 150 }, (_, i) => state.update((d) => void d.tokens.push(token(`t${i}`))));
    // Revocations interleaved with the additions: each removes a token added before it was asked.
    const revokes = Array.from({ length: 50 }, (_, i) => state.update((d) => void (d.tokens = d.tokens.filter((t) => t.id !== `t${i * 3}`))));
    await Promise.all([...adds, ...revokes]);
    const reopened = await ServerState.open(path);
    expect(reopened.data.tokens.map((t) => t.id)).toEqual(state.data.tokens.map((t) => t.id));
    expect(reopened.data.tokens).toHaveLength(100);
    expect(reopened.data.tokens.some((t) => t.id === 't0' || t.id === 't147')).toBe(false);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('re-reads the file inside the queue: a change made by another writer is kept', async () => {
    const path = join(dir, 'shared.json');
    const a = await ServerState.open(path);
    const b = await ServerState.open(path);
    await a.update((d) => void d.tokens.push(token('from-a')));
    await b.update((d) => void d.tokens.push(token('from-b')));
    expect((await ServerState.open(path)).data.tokens.map((t) => t.id)).toEqual(['from-a', 'from-b']);
  });

  it('a failed change leaves the state as it was and the queue running', async () => {
    const state = await ServerState.open(join(dir, 'fail.json'));
    await expect(state.update(() => { throw new Error('boom'); })).rejects.toThrow('boom');
    await state.update((d) => void d.tokens.push(token('after')));
    expect(state.data.tokens.map((t) => t.id)).toEqual(['after']);
  });
});
