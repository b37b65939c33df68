import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StepLog {
  (line: string): void;
}

export const printLog: StepLog = (line) => process.stderr.write(`${line}\n`);

/** A step failed: says which one, what ran, and where its whole output is. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly detail: string,
  ) {
    super(`step "${step}" failed: ${detail}`);
  }
}

export interface Runner {
  /** Runs one named step to completion, its output kept in a log file; throws StepError. */
  run(step: string, command: string, args: string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string; input?: NodeJS.ReadableStream }): Promise<string>;
  /** Times a group of runs under one progress line. */
  step<T>(name: string, body: () => Promise<T>): Promise<T>;
  readonly log: StepLog;
}

/**
 * Progress per step on stderr (`[3/7] build mysql image ... done in 21.4 s`), every command's
 * output in `<logDir>/<step>.log`, and the end of it in the error when the command fails.
 */
export function createRunner(logDir: string, log: StepLog = printLog, total?: number): Runner {
  let index = 0;
  // Each run starts every step's log afresh, so the tail in an error is this run's.
  const started = new Set<string>();
  const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

  const run: Runner['run'] = async (step, command, args, options = {}) => {
    await mkdir(logDir, { recursive: true });
    const logFile = join(logDir, `${slug(step)}.log`);
    const out = createWriteStream(logFile, { flags: started.has(logFile) ? 'a' : 'w' });
    started.add(logFile);
    out.write(`$ ${command} ${args.join(' ')}\n`);
    let stdout = '';
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    if (options.input && child.stdin) options.input.pipe(child.stdin);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      out.write(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => out.write(chunk));
    const [code, error] = await new Promise<[number | null, Error | undefined]>((resolve) => {
      child.on('error', (e) => resolve([null, e]));
      child.on('close', (c) => resolve([c, undefined]));
    });
    await new Promise((resolve) => out.end(resolve));
    if (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new StepError(step, missing ? `${command} is not installed (not found on PATH)` : `${command}: ${error.message}`);
    }
    if (code !== 0) {
      const tail = (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-15).join('\n');
      throw new StepError(step, `${command} exited ${code}; last lines of ${logFile}:\n${tail}`);
    }
    return stdout;
  };

  return {
    run,
    log,
    async step(name, body) {
      index++;
      const label = total ? `[${index}/${total}] ${name}` : name;
      log(`${label} ...`);
      const started = Date.now();
      const result = await body();
      log(`${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    },
  };
}
