import { spawn } from 'node:child_process';
import { sleep } from './util.js';

const STOP_GRACE_MS = 20_000;

/**
 * One Node process of the system under test: started with its own env, its last output kept for
 * error messages, stopped with SIGTERM (then SIGKILL) or killed outright on an abrupt exit.
 */
export class NodeProcess {
  /**
   * @param {string} name what the reports call it: `gateway`, `identity`, …
   * @param {string[]} args arguments to `node`
   * @param {{ cwd: string, env: NodeJS.ProcessEnv }} options
   */
  constructor(name, args, { cwd, env }) {
    this.name = name;
    this.output = [];
    this.status = null;
    this.child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let settle;
    this.exited = new Promise((resolve) => (settle = resolve));
    const finish = (status) => {
      if (this.status) return;
      this.status = status;
      settle(status);
    };
    this.child.once('exit', (code, signal) => finish({ code, signal }));
    // A failed spawn emits 'error' and never 'exit'.
    this.child.once('error', (error) => {
      this.output.push(`${error.message}\n`);
      finish({ code: null, signal: null, error: error.message });
    });
    const keep = (chunk) => {
      this.output.push(String(chunk));
      if (this.output.length > 200) this.output.splice(0, 100);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return this.status === null;
  }

  /** Last lines the process printed. */
  tail(lines = 20) {
    return this.output.join('').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolves once GET `url` answers 2xx; fails as soon as the process exits. */
  async ready(url, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (this.running && Date.now() < deadline) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
        if (response.ok) return;
        last = `HTTP ${response.status} ${(await response.text()).slice(0, 300)}`;
      } catch (error) {
        last = error.message;
      }
      await sleep(250);
    }
    const why = this.running
      ? `not ready after ${timeoutMs} ms (${last})`
      : `exited (${this.status.code ?? this.status.signal}) before it was ready`;
    throw new Error(`${this.name}: ${why} at GET ${url}; its last output:\n${this.tail()}`);
  }

  /** Waits for the process to end by itself and fails unless it exits 0; kills it after `timeoutMs`. */
  async completion(timeoutMs) {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const status = await this.exited;
    clearTimeout(timer);
    if (status.code !== 0) throw new Error(`${this.name} failed (${status.code ?? status.signal}):\n${this.tail()}`);
  }

  async stop() {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous, for process 'exit' handlers. */
  kill() {
    if (this.running) this.child.kill('SIGKILL');
  }
}
