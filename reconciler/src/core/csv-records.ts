/**
 * A streaming CSV record parser (RFC 4180: quoted fields with `""` escapes, delimiters and line
 * breaks inside quotes, LF or CRLF, a leading BOM, empty lines skipped), fed decoded text chunks.
 * Lines without a quote, the common case, are split with one native `split`; only lines holding
 * a quote go through the character loop, whose state survives chunk boundaries so a long quoted
 * field is never re-scanned. It is as strict as csv-parse's defaults, which it replaces (ADR
 * 0009): a quote inside an unquoted field, text after a closing quote and a quote left open at
 * the end of the file are errors. Errors carry a code and a line, never a value.
 */

/** Why a CSV text is malformed; `code` uses csv-parse's names, which logs already show. */
export class CsvSyntaxError extends Error {
  readonly code: "CSV_INVALID_OPENING_QUOTE" | "CSV_INVALID_CLOSING_QUOTE" | "CSV_QUOTE_NOT_CLOSED";
  /** 1-based line where the problem was found. */
  readonly line: number;

  constructor(code: CsvSyntaxError["code"], line: number) {
    super(`${code} at line ${line}`);
    this.code = code;
    this.line = line;
  }
}

/** Receives each record with the 1-based line its last character is on. */
export type CsvRecordSink = (fields: string[], line: number) => void;

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote inside a quoted field: an escape when another quote follows, else the end. */
const QUOTE_IN_QUOTED = 3;
const AFTER_QUOTE = 4;

/** Parses CSV text pushed in chunks; see the module comment for the dialect. */
export class CsvRecordParser {
  readonly #delimiter: string;
  readonly #delimiterCode: number;
  /** Text of an unfinished line without quotes, carried to the next chunk. */
  #rest = "";
  /** Lines consumed so far. */
  #line = 0;
  #started = false;
  // A record holding a quote, parsed character by character; it may span chunks.
  #inRecord = false;
  /** Line the record in progress starts on. */
  #recordLine = 0;
  #state = FIELD_START;
  #fields: string[] = [];
  #field = "";

  /** @param delimiter one character. @default "," */
  constructor(delimiter = ",") {
    if (delimiter.length !== 1) throw new Error("a CSV delimiter is one character");
    this.#delimiter = delimiter;
    this.#delimiterCode = delimiter.charCodeAt(0);
  }

  /** Lines consumed so far (for error messages). */
  get line(): number {
    return this.#line;
  }

  /** Parses `chunk`, handing every complete record to `sink`. */
  push(chunk: string, sink: CsvRecordSink): void {
    let text = chunk;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let at = 0;
    if (this.#inRecord) {
      at = this.#parseQuoted(text, 0, sink);
      if (at < 0) return;
    } else if (this.#rest !== "") {
      text = this.#rest + text;
      this.#rest = "";
    }
    const length = text.length;
    // The next quote at or after `at`, searched again only once passed: searching per line
    // would scan to the chunk's end from every line of a chunk without quotes.
    let quote = -2;
    while (at < length) {
      const newline = text.indexOf("\n", at);
      const end = newline === -1 ? length : newline;
      if (quote !== -1 && quote < at) quote = text.indexOf('"', at);
      if (quote === -1 || quote > end) {
        if (newline === -1) {
          this.#rest = text.slice(at);
          return;
        }
        this.#line += 1;
        const stop = end > at && text.charCodeAt(end - 1) === CR ? end - 1 : end;
        if (stop > at) sink(text.slice(at, stop).split(this.#delimiter), this.#line);
        at = end + 1;
        continue;
      }
      this.#inRecord = true;
      this.#recordLine = this.#line + 1;
      this.#state = FIELD_START;
      this.#fields = [];
      this.#field = "";
      at = this.#parseQuoted(text, at, sink);
      if (at < 0) return;
    }
  }

  /** Ends the input: hands over a last line without a line break, or fails on an open quote. */
  end(sink: CsvRecordSink): void {
    if (this.#inRecord) {
      if (this.#state === QUOTED) {
        throw new CsvSyntaxError("CSV_QUOTE_NOT_CLOSED", this.#recordLine);
      }
      this.#line += 1;
      if (this.#state === UNQUOTED && this.#field.endsWith("\r")) {
        this.#field = this.#field.slice(0, -1);
      }
      this.#finishRecord(sink);
      return;
    }
    const rest = this.#rest;
    this.#rest = "";
    if (rest === "") return;
    this.#line += 1;
    const stop = rest.charCodeAt(rest.length - 1) === CR ? rest.length - 1 : rest.length;
    if (stop > 0) sink(rest.slice(0, stop).split(this.#delimiter), this.#line);
  }

  /**
   * The character loop for a record holding a quote, from `at`. Returns where the next record
   * starts, or -1 when the chunk ended inside this record (its state is kept).
   */
  #parseQuoted(text: string, at: number, sink: CsvRecordSink): number {
    const length = text.length;
    const delimiter = this.#delimiterCode;
    let state = this.#state;
    let from = at;
    let i = at;
    while (i < length) {
      const code = text.charCodeAt(i);
      switch (state) {
        case FIELD_START:
          if (code === QUOTE) {
            state = QUOTED;
            from = i + 1;
          } else if (code === delimiter) {
            this.#fields.push("");
          } else if (code === LF) {
            this.#line += 1;
            this.#field = "";
            this.#finishRecord(sink);
            return i + 1;
          } else {
            state = UNQUOTED;
            from = i;
          }
          break;
        case UNQUOTED:
          if (code === QUOTE) throw new CsvSyntaxError("CSV_INVALID_OPENING_QUOTE", this.#line + 1);
          if (code === delimiter) {
            this.#fields.push(this.#field + text.slice(from, i));
            this.#field = "";
            state = FIELD_START;
          } else if (code === LF) {
            let field = this.#field + text.slice(from, i);
            if (field.endsWith("\r")) field = field.slice(0, -1);
            this.#field = field;
            this.#line += 1;
            this.#finishRecord(sink);
            return i + 1;
          }
          break;
        case QUOTED:
          if (code === QUOTE) {
            this.#field += text.slice(from, i);
            state = QUOTE_IN_QUOTED;
          } else if (code === LF) {
            this.#line += 1;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (code === QUOTE) {
            this.#field += '"';
            state = QUOTED;
            from = i + 1;
            break;
          }
          state = AFTER_QUOTE;
          continue; // the same character, after the closing quote
        case AFTER_QUOTE:
          if (code === delimiter) {
            this.#fields.push(this.#field);
            this.#field = "";
            state = FIELD_START;
          } else if (code === LF) {
            this.#line += 1;
            this.#finishRecord(sink);
            return i + 1;
          } else if (code !== CR) {
            throw new CsvSyntaxError("CSV_INVALID_CLOSING_QUOTE", this.#line + 1);
          }
          break;
      }
      i += 1;
    }
    if (state === UNQUOTED || state === QUOTED) this.#field += text.slice(from, length);
    this.#state = state;
    return -1;
  }

  #finishRecord(sink: CsvRecordSink): void {
    this.#fields.push(this.#field);
    const fields = this.#fields;
    this.#inRecord = false;
    this.#state = FIELD_START;
    this.#fields = [];
    this.#field = "";
    sink(fields, this.#line);
  }
}
