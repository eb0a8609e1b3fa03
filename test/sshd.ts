/**
 * Test helper: a real OpenSSH sshd on 127.0.0.1 (docs/development.md), started in the foreground with its log on
 * stderr. It is ready when its own log says it listens, not when a port probe happens to connect
 * before a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';

export interface RunningSshd {
  child: ChildProcess;
  port: number;
  /** Everything sshd has logged so far. */
  log(): string;
  /** Stops sshd and waits for it to exit. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 a moment ago (nothing listens on it unless another process took it since). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts sshd with the config `lines` written to `configPath` (Port and ListenAddress 127.0.0.1 are
 * added); resolves once it listens. The free port is picked before sshd binds it, so another
 * process can take it in between: then sshd says so and exits, and a new port is tried.
 */
export async function startSshd(configPath: string, lines: readonly string[]): Promise<RunningSshd> {
  // sshd refuses to start without its privilege separation directory.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(configPath, [`Port ${port}`, 'ListenAddress 127.0.0.1', ...lines, ''].join('\n'));
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const listening = await new Promise<boolean>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve(true);
      });
      child.once('exit', () => resolve(false));
    });
    if (listening) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      return {
        child,
        port,
        log: () => log,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (!/Address already in use/.test(log) || attempt >= 5) throw new Error(`sshd did not start: ${log}`);
  }
}
