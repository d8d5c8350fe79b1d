/**
 * Writing short strings into a byte buffer as UTF-8. Pure: no I/O.
 */

/**
 * Writes `text` as UTF-8 at `at` and returns where it ends (the buffer must have room for 3
 * bytes per UTF-16 code unit). ASCII, nearly every field, is copied by a loop: a native write
 * costs more per call than the loop does per character for text this short.
 */
export function writeUtf8(buffer: Buffer, at: number, text: string): number {
  const length = text.length;
  let i = 0;
  for (; i < length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) break;
    buffer[at + i] = code;
  }
  if (i === length) return at + length;
  return at + i + buffer.write(i === 0 ? text : text.slice(i), at + i, "utf8");
}
