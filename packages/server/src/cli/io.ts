import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** A command's error: printed as one line, with exit status 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The process's streams and environment, injected so commands can be run in tests. */
export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
}

export interface Prompter {
  /** Asks and reads one line; `hidden` does not echo what is typed on a terminal. */
  ask(question: string, options?: { hidden?: boolean }): Promise<string>;
  close(): void;
}

type EchoingInterface = { _writeToOutput: (text: string) => void };

/**
 * Reads answers line by line: typed on a terminal, or piped in by scripts
 * and tests. End of input is an error, never an empty answer.
 */
export function createPrompter(io: Io): Prompter {
  const terminal = io.stdin.isTTY === true;
  const rl = createInterface({ input: io.stdin, output: terminal ? io.stdout : undefined, terminal });
  let muted = false;
  if (terminal) {
    const echoing = rl as unknown as EchoingInterface;
    const write = echoing._writeToOutput.bind(rl);
    echoing._writeToOutput = (text) => {
      if (!muted) write(text);
      else if (text.includes('\n')) write('\n');
    };
  }
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question, options = {}) {
      io.stdout.write(question);
      muted = terminal && options.hidden === true;
      const next = await lines.next();
      muted = false;
      if (!terminal) io.stdout.write('\n');
      if (next.done === true) throw new CliError('input ended before every question was answered');
      return next.value;
    },
    close: () => rl.close(),
  };
}
