const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === "function";

/**
 * Wraps the user's onError so that it can never change an answer: a throw (or
 * a rejected promise) from it is logged once per process-wide wrapper and
 * otherwise ignored; the delivery is answered as it would have been.
 */
export function containedReporter<TInfo>(
  onError: (error: unknown, info: TInfo) => unknown,
  log: (message: string, error: unknown) => void = (message, error) => console.error(message, error),
): (error: unknown, info: TInfo) => void {
  let warned = false;
  const failed = (error: unknown) => {
    if (warned) return;
    warned = true;
    // The logger may be the user's too: nothing it does can escape into the request's answer.
    try {
      log(
        "[siglume-middleware] onError itself threw; the delivery was answered as decided. Only this first failure " +
          "of onError is logged:",
        error,
      );
    } catch {
      // Nothing left to tell.
    }
  };
  return (error, info) => {
    try {
      const result = onError(error, info);
      if (isPromiseLike(result)) result.then(undefined, failed);
    } catch (thrown) {
      failed(thrown);
    }
  };
}
