/**
 * Consuming a stream with its next item always under way: while the consumer awaits something
 * else (a request, a poll), the stream makes its next item. Pure: no I/O.
 */

/**
 * The items of `source`, in order, each asked for as soon as the one before is handed out.
 * When the consumer stops early, the item under way is awaited and the source is closed; an
 * error the source throws meanwhile surfaces when that item is reached, or never if it is not.
 */
export async function* oneAhead<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  const iterator =
    Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : (async function* () {
          yield* source;
        })();
  let next = iterator.next();
  // Handled here so that it does not reject unobserved while the consumer awaits its own work.
  next.catch(() => undefined);
  let done = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) {
        done = true;
        return;
      }
      next = iterator.next();
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    if (!done) {
      const settled = await next.then(
        (result) => result.done !== true,
        () => false,
      );
      if (settled) await iterator.return?.();
    }
  }
}
