/**
 * Ctrl-C and SIGTERM stop a command cleanly once (consumers leave their groups, producers flush);
 * a second signal exits at once for the impatient.
 */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  // A long-running command whose event loop runs dry has lost everything it was running (a
  // consumer that died without a restart, say). Say so and fail instead of exiting 0 in silence.
  process.once('beforeExit', () => {
    if (stopping) return;
    process.stderr.write('replog: nothing is running any more (every consumer and server stopped); exiting\n');
    process.exitCode = 1;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nreplog: ${signal}, shutting down…\n`);
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`replog: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * For commands that can stop part-way and resume later (replay): the first Ctrl-C or SIGTERM
 * aborts the returned signal so the command finishes its chunk, checkpoints and says how to
 * resume; a second one exits at once.
 */
export function abortOnSignals(what: string, say: (line: string) => void = (line) => process.stderr.write(`\n${line}\n`)): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    say(`replog: ${signal}, ${what}… (again to exit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
