export interface SerialTimer {
  /** No tick starts after this; resolves once a running tick ended. */
  stop(): Promise<void>;
}

/**
 * Runs `tick` again and again, never two at once: the next run is scheduled when the previous one
 * ends, `nextDelayMs()` after it. `tick` handles its own failures (a rejection is swallowed here
 * so a timer never dies of one).
 */
export function startSerialTimer(tick: () => Promise<void>, nextDelayMs: () => number): SerialTimer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      running = tick()
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
          if (!stopped) schedule();
        });
    }, nextDelayMs());
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
