import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const keptStderrLines = 20;

/** ffmpeg or ffprobe exited with an error or was killed by something other than our signal. */
export class ToolFailed extends Error {
  override name = 'ToolFailed';

  constructor(
    tool: string,
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderrTail: string[],
  ) {
    super(`${tool} ${exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`}`);
  }
}

/** Thrown when the signal stopped the run; the caller turns the signal's reason into its own error. */
export class ToolStopped extends Error {
  override name = 'ToolStopped';
}

export interface ToolRun {
  signal: AbortSignal;
  environment: Record<string, string>;
  cwd?: string;
  onStdoutLine?: (line: string) => void;
}

/**
 * Runs a binary to completion and resolves with its stdout. On abort the process is killed with SIGKILL (an
 * encoder mid-frame has nothing worth flushing) and the promise settles only once it has exited, so no process
 * outlives the call.
 */
export function runTool(path: string, args: string[], run: ToolRun): Promise<string> {
  if (run.signal.aborted) return Promise.reject(new ToolStopped());
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      cwd: run.cwd,
      env: { ...process.env, ...run.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    const stderrTail: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (run.onStdoutLine) run.onStdoutLine(line);
      else stdout.push(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line.slice(0, 500));
      if (stderrTail.length > keptStderrLines) stderrTail.shift();
    });
    const kill = () => child.kill('SIGKILL');
    run.signal.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => {
      run.signal.removeEventListener('abort', kill);
      reject(error);
    });
    // 'close', not 'exit': stdout and stderr are fully read by then.
    child.on('close', (code, exitSignal) => {
      run.signal.removeEventListener('abort', kill);
      if (run.signal.aborted) reject(new ToolStopped());
      else if (code === 0) resolve(stdout.join('\n'));
      else reject(new ToolFailed(path.split('/').pop() ?? path, code, exitSignal, stderrTail));
    });
  });
}
