// One argon2id computation per message, off the main thread (see argon2.ts: Argon2Pool). Plain JavaScript,
// so the worker starts without a TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { argon2id } from 'hash-wasm';

parentPort.on('message', async (job) => {
  try {
    const dk = await argon2id({
      password: job.password,
      salt: job.salt,
      parallelism: job.p,
      iterations: job.t,
      memorySize: job.m,
      hashLength: job.dkLen,
      outputType: 'binary',
    });
    parentPort.postMessage({ id: job.id, dk });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
  }
});
