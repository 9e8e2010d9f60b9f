import { type ReplogErrorOptions, UnavailableError } from './errors';

/**
 * The promise, or an UnavailableError (`message`, with `options`) once `ms` have passed without
 * its answer. The promise itself runs on: a deadline gives up waiting, it cancels nothing.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, message: string, options: ReplogErrorOptions = {}): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(message, options)), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
