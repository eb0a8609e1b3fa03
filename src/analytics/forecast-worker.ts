/**
 * A worker of the forecast's pool (forecast-pool.ts): runs the groups' models it is sent, one message a
 * batch, and answers with their results in the same order (or the error's message).
 */
import { parentPort } from 'node:worker_threads';
import { groupModel, type GroupModelInput } from './forecast-model.js';

parentPort!.on('message', (m: { id: number; inputs: GroupModelInput[] }) => {
  try {
    parentPort!.postMessage({ id: m.id, results: m.inputs.map(groupModel) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
